import Cluster
#if canImport(Glibc)
import Glibc
#endif

/// The endpoint's files, read from a real file as the endpoint reads them: the cluster file (node
/// list with comments) and the state file (a payload). Files live in a per-process directory on
/// tmpfs when there is one, so the state file's fsync costs nothing.
enum ClusterFileTarget {
    static let directory: String = {
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        let path = "\(base)/swiftcached-fuzz-\(getpid())"
        mkdir(path, 0o700)
        atexit { rmdirContents() }
        return path
    }()
    static let inputPath = directory + "/input"
    static let savedPath = directory + "/saved"

    static func run(_ input: UnsafeRawBufferPointer) {
        write(input, to: inputPath)
        clusterFile()
        stateFile()
    }

    /// An accepted list has no duplicates and re-parses to itself written one entry per line or
    /// all on one line; the file is not reported changed right after it was read.
    static func clusterFile() {
        var file = ClusterFile(path: inputPath)
        guard let nodes = try? file.load() else { return }
        precondition(!file.hasChanged(), "a file just read is reported changed")
        precondition(Set(nodes.map(\.identity)).count == nodes.count, "a node listed twice")
        for separator in ["\n", " "] {
            let written = nodes.map(\.entry).joined(separator: separator)
            precondition((try? NodeListParser.parse(written)) == nodes, "node list does not re-parse to itself")
        }
    }

    /// A state that loads saves to a file that loads to the same state; one that does not load is
    /// called corrupt, never unreadable (the file is there and readable).
    static func stateFile() {
        let state: PersistedState
        do {
            state = try StateFile(path: inputPath).load()
        } catch StateFileError.corrupt {
            return
        } catch {
            preconditionFailure("state file refused as \(error)")
        }
        let saved = StateFile(path: savedPath)
        try! saved.save(state)
        precondition((try? saved.load()) == state, "saved state does not load back")
    }

    static func write(_ input: UnsafeRawBufferPointer, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(fd >= 0, "cannot create \(path)")
        precondition(Glibc.write(fd, input.baseAddress, input.count) == input.count, "short write to \(path)")
        close(fd)
    }

    private static func rmdirContents() {
        unlink(inputPath)
        unlink(savedPath)
        rmdir(directory)
    }
}
