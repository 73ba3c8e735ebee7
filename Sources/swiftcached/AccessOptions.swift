import AccessControl
import ArgumentParser
import Cluster

/// `--allow CIDR` (repeatable) and `--allow-file FILE`: the client allowlist (docs/security.md).
/// Clients outside every range are closed at accept, before a byte is read; UDP datagrams from
/// them are dropped. SIGHUP re-reads the file.
struct AccessOptions: ParsableArguments {
    @Option(name: .customLong("allow"),
            help: "Serve only clients in this address range (CIDR or plain address, IPv4 or IPv6); repeatable.")
    var allow: [String] = []

    @Option(name: .customLong("allow-file"),
            help: "Allowlist file: one range per line, # comments; re-read on SIGHUP.")
    var allowFile: String?

    /// nil when neither flag is given. A bad range or file is a usage error.
    func makeAllowlist() throws(CommandLineError) -> SharedAllowlist? {
        do {
            return try SharedAllowlist.make(ranges: allow, filePath: allowFile,
                                            readFile: { try FileBytes.contents(of: $0, limit: ClientAllowlist.maxFileBytes) })
        } catch {
            throw CommandLineError(error.description)
        }
    }
}
