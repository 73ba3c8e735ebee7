import Atomics
import Cluster
import MemcacheProtocol
import Networking
import OutputBuffers
import RequestHandling

/// One connection to the configuration endpoint. The first byte decides the protocol for the whole
/// connection, as in memcached: 0x80 is binary, anything else text. Owned by one worker thread.
///
/// Text commands: `config get cluster`, `config set cluster <flags> <bytes>` + payload,
/// `config register <host|ip|port> <lease-seconds>`, `config deregister <host|ip|port>` (these three
/// with a cluster secret's proof appended, see `MembershipProof`),
/// `get AmazonElastiCache:cluster` (other keys miss), `version`, `stats`, `quit`, and with `-Y` the
/// authenticating `set`. Anything else is `ERROR`, as memcached answers unknown commands.
public final class ConfigEndpointSession: ConnectionSession {
    enum Mode { case undecided, text, binary }

    /// A data block that follows a command line.
    enum PendingBlock {
        /// With the command's words, whose proof (if any) also covers the payload.
        case configSet(length: Int, words: [Substring])
        case authentication(length: Int)

        var length: Int {
            switch self {
            case let .configSet(length, _), let .authentication(length): return length
            }
        }
    }

    static let maxLineLength = 2048

    let endpoint: ConfigEndpoint
    var mode = Mode.undecided
    var pending: PendingBlock?
    var authenticated: Bool
    var closeRequested = false

    public init(endpoint: ConfigEndpoint) {
        self.endpoint = endpoint
        authenticated = endpoint.credentials == nil
        endpoint.currentConnections.wrappingIncrement(ordering: .relaxed)
        endpoint.totalConnections.wrappingIncrement(ordering: .relaxed)
    }

    public func close() {
        endpoint.currentConnections.wrappingDecrement(ordering: .relaxed)
    }

    public func process(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer, requestLimit: Int) -> SessionProgress {
        if mode == .undecided, let first = input.first { mode = first == 0x80 ? .binary : .text }
        switch mode {
        case .undecided: return SessionProgress(consumed: 0, commands: 0, shouldClose: false, yielded: false)
        case .text: return processText(input, into: &output, requestLimit: requestLimit)
        case .binary: return processBinary(input, into: &output, requestLimit: requestLimit)
        }
    }
}
