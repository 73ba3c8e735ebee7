/// The fuzz targets, one per parser, chosen with `FUZZ_TARGET` (docs/fuzzing.md):
///   binary           BinarySession without SASL (24-byte headers, lengths, extras, opcodes) — the default
///   text, meta       TextSession: classic and meta commands; `meta` is the same session with meta
///                    seeds and dictionary, plus the base64 key codec
///   udp              UDP frame header and DatagramSession (text or binary per datagram)
///   auth             AsciiAuthSession (-Y login) and the password-file parser
///   sasl             BinarySession with -S (the SASL gate and PLAIN flow) and the SASL PLAIN message
///   cluster          the `config set cluster` payload and its node list (ConfigPayload, ClusterNode)
///   clusterresponse  the strict `CONFIG cluster 0 <N>` answer parser (ConfigResponseParser)
///   clusterfile      the cluster file and the state file, read from a real file
///   configfile       `--config-file`'s memcached.conf lines (ConfigFile)
/// Session targets feed each input in pieces (split where its first byte says) so incremental
/// parsing is exercised; every target checks its own invariants with `precondition`.
enum FuzzTargets {
    static let targets: [String: (UnsafeRawBufferPointer) -> Void] = [
        "binary": SessionTargets.binary,
        "text": SessionTargets.text,
        "meta": SessionTargets.meta,
        "udp": SessionTargets.datagram,
        "auth": SessionTargets.auth,
        "sasl": SessionTargets.sasl,
        "cluster": ClusterPayloadTargets.payload,
        "clusterresponse": ClusterPayloadTargets.response,
        "clusterfile": ClusterFileTarget.run,
        "configfile": ConfigFileTarget.run,
    ]

    static let selectedTarget: String = {
        guard let value = getenv("FUZZ_TARGET") else { return "binary" }
        let name = String(cString: value)
        guard targets[name] != nil else {
            fputs("unknown FUZZ_TARGET \(name); known: \(targets.keys.sorted().joined(separator: " "))\n", stderr)
            exit(2)
        }
        return name
    }()

    static let selected = targets[selectedTarget]!

    static func run(_ input: UnsafeRawBufferPointer) {
        selected(input)
    }
}

#if canImport(Glibc)
import Glibc
#endif
