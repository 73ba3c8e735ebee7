#if canImport(Glibc)
import Glibc
#endif

/// What memcached does to its own process before serving, in its order: raise the core limit (`-r`),
/// leave root for `-u` (required when root), detach (`-d`), lock memory (`-k`); and once listening,
/// write the pid file (`-P`). Failures exit with memcached's messages and status codes.
struct ProcessSetup {
    let options: OperatorOptions
    let verbose: Int

    /// sysexits.h, as memcached uses them.
    private static let exitUsage: Int32 = 64, exitNoUser: Int32 = 67, exitOSError: Int32 = 71

    /// Everything before the engine and the sockets exist. Returns the exit status on failure.
    func prepare() -> Int32? {
        if options.enableCoreDumps, let failure = raiseCoreLimit() { return failure }
        if let failure = leaveRoot() { return failure }
        if options.daemon, daemon(options.enableCoreDumps ? 1 : 0, verbose > 0 ? 1 : 0) == -1 {
            fputs("failed to daemon() in order to daemonize\n", stderr)
            return EXIT_FAILURE
        }
        if options.lockMemory, mlockall(Int32(MCL_CURRENT | MCL_FUTURE)) != 0 {
            // memcached goes on without the lock.
            fputs("warning: -k invalid, mlockall() failed: \(String(cString: strerror(errno)))\n", stderr)
        }
        return nil
    }

    /// `-r`: the core limit as high as allowed (memcached keeps the working directory then, so that
    /// a daemon's core lands where it started).
    private func raiseCoreLimit() -> Int32? {
        var limit = rlimit(rlim_cur: rlim_t.max, rlim_max: rlim_t.max)  // RLIM_INFINITY
        if setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &limit) != 0 {
            var current = rlimit()
            if getrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &current) == 0 {
                current.rlim_cur = current.rlim_max
                _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &current)
            }
        }
        var result = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &result) == 0, result.rlim_cur != 0 else {
            fputs("failed to ensure corefile creation\n", stderr)
            return Self.exitOSError
        }
        return nil
    }

    /// `-u`: as root, become that user (supplementary groups dropped); without it, refuse to run.
    /// Not root: `-u` is ignored, as in memcached.
    private func leaveRoot() -> Int32? {
        guard getuid() == 0 || geteuid() == 0 else { return nil }
        guard let user = options.user, !user.isEmpty else {
            fputs("can't run as root without the -u switch\n", stderr)
            return Self.exitUsage
        }
        guard let entry = getpwnam(user) else {
            fputs("can't find the user \(user) to switch to\n", stderr)
            return Self.exitNoUser
        }
        let uid = entry.pointee.pw_uid, gid = entry.pointee.pw_gid
        guard setgroups(0, nil) == 0 || errno == EPERM, setgid(gid) == 0, setuid(uid) == 0 else {
            fputs("failed to assume identity of user \(user)\n", stderr)
            return Self.exitOSError
        }
        return nil
    }

    /// `-P`: written once the sockets are open, as memcached does (with or without `-d`), through a
    /// `.tmp` file renamed into place so that a reader never sees half a number.
    func writePidFile() {
        guard let path = options.pidFile else { return }
        let temporary = path + ".tmp"
        guard let file = fopen(temporary, "w") else {
            fputs("Could not open the pid file \(temporary) for writing: \(String(cString: strerror(errno)))\n", stderr)
            return
        }
        fputs("\(getpid())\n", file)
        if fclose(file) != 0 {
            fputs("Could not close the pid file \(temporary): \(String(cString: strerror(errno)))\n", stderr)
        }
        if rename(temporary, path) != 0 {
            fputs("Could not rename the pid file from \(temporary) to \(path): \(String(cString: strerror(errno)))\n", stderr)
        }
    }

    /// memcached removes the pid file at exit only when it daemonized.
    func removePidFile() {
        guard options.daemon, let path = options.pidFile else { return }
        if unlink(path) != 0 {
            fputs("Could not remove the pid file \(path): \(String(cString: strerror(errno)))\n", stderr)
        }
    }
}
