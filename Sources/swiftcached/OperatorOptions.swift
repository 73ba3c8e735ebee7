import ArgumentParser
import RequestHandling
#if canImport(Glibc)
import Glibc
#endif

/// memcached's flags for running the process and guarding admin commands: `-d -P -u -r -k` (see
/// ProcessSetup), `-A -F -W -D -e`, and those accepted without effect here (`-L`, `-N`; README
/// says why).
struct OperatorOptions: ParsableArguments {
    @Flag(name: [.customShort("A"), .customLong("enable-shutdown")], help: "Enable the ascii \"shutdown\" command.")
    var enableShutdown = false

    @Flag(name: [.customShort("d"), .customLong("daemon")], help: "Run as a daemon.")
    var daemon = false

    @Flag(name: [.customShort("r"), .customLong("enable-coredumps")], help: "Maximize the core file limit.")
    var enableCoreDumps = false

    @Option(name: [.customShort("u"), .customLong("user")],
            help: "Assume the identity of <user> (only when run as root, and then required).")
    var user: String?

    @Flag(name: [.customShort("k"), .customLong("lock-memory")], help: "Lock down all paged memory (mlockall).")
    var lockMemory = false

    @Flag(name: [.customShort("i"), .customLong("license")], help: "Print the license and exit.")
    var printLicense = false

    @Option(name: [.customShort("P"), .customLong("pidfile")], help: "Save the process id in <file>.")
    var pidFile: String?

    @Flag(name: [.customShort("L"), .customLong("enable-largepages")],
          help: "Try to use large memory pages (accepted; no effect here).")
    var largePages = false

    @Option(name: [.customShort("D")], help: "Delimiter between key prefixes and ids for `stats detail`; turns detail on.")
    var prefixDelimiter: String?

    @Option(name: [.customShort("N"), .customLong("napi_ids")], help: "Number of NAPI ids (accepted; no effect here).")
    var napiIDs: String?

    @Flag(name: [.customShort("F"), .customLong("disable-flush-all")], help: "Disable the flush_all command.")
    var disableFlushAll = false

    @Flag(name: [.customShort("W"), .customLong("disable-watch")], help: "Disable watch commands.")
    var disableWatch = false

    @Option(name: [.customShort("e"), .customLong("memory-file")],
            help: "Item memory in this file (on a tmpfs or RAM disk): a restart after SIGUSR1 with the same settings keeps the items.")
    var memoryFile: String?

    /// memcached's checks and messages, in its order.
    func apply(to admin: inout AdminSettings) throws(CommandLineError) {
        admin.shutdownEnabled = enableShutdown
        admin.flushEnabled = !disableFlushAll
        admin.watchEnabled = !disableWatch
        if let prefixDelimiter {
            guard let first = prefixDelimiter.utf8.first else { throw CommandLineError("No delimiter specified") }
            admin.prefixDelimiter = first
            admin.detailEnabled = true
        }
        if let napiIDs {
            // memcached reads it with atoi: garbage is 0, refused.
            let count = Int(atoi(napiIDs))
            guard count > 0 else { throw CommandLineError("Maximum number of NAPI IDs must be greater than 0") }
            admin.napiIDs = count
        }
        admin.memoryFile = memoryFile
    }
}
