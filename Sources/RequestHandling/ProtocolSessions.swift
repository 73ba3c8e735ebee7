import MemcacheProtocol
import Networking
import OutputBuffers

/// `-B auto`: a connection whose protocol is decided by its first byte, as memcached's
/// `try_read_command_negotiate` does: the binary request magic (0x80) makes it a binary
/// connection, anything else a text one. Until that byte arrives nothing is created; afterwards
/// every call goes straight to the chosen session.
final class NegotiatingSession: ConnectionSession {
    private let makeText: () -> ConnectionSession
    private let makeBinary: () -> ConnectionSession
    private var chosen: ConnectionSession?

    init(makeText: @escaping () -> ConnectionSession, makeBinary: @escaping () -> ConnectionSession) {
        self.makeText = makeText
        self.makeBinary = makeBinary
    }

    func process(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer, requestLimit: Int) -> SessionProgress {
        if chosen == nil {
            guard let first = input.first else { return SessionProgress(consumed: 0, commands: 0, shouldClose: false, yielded: false) }
            chosen = first == BinaryRequestHeader.requestMagic ? makeBinary() : makeText()
        }
        return chosen!.process(input, into: &output, requestLimit: requestLimit)
    }

    func close() { chosen?.close() }
    var outputFeed: OutputFeed? { chosen?.outputFeed }
}

/// Which session a new TCP or unix-socket connection gets, from `-B`, `-S` and `-Y`: the session
/// factory the cache server hands each worker (`Server.WorkerSetup.makeSession`).
public enum ProtocolSessions {
    public static func factory(for context: WorkerContext) -> (ConnectionInfo) -> ConnectionSession {
        let settings = context.server.settings
        let credentials = settings.asciiCredentials
        return { connection in
            let descriptor = connection.descriptor
            // Either session's watch lines name its connection (`cfd=`).
            let makeBinary: () -> ConnectionSession = {
                let binary = BinarySession(context: context)
                binary.attach(descriptor: descriptor)
                return binary
            }
            let makeText: () -> ConnectionSession = {
                guard let credentials else {
                    let text = TextSession(context: context)
                    text.attach(descriptor: descriptor)
                    return text
                }
                let authenticating = AsciiAuthSession(context: context, credentials: credentials)
                authenticating.attach(descriptor: descriptor)
                return authenticating
            }
            switch settings.bindingProtocol {
            case .ascii: return makeText()
            case .binary: return makeBinary()
            case .auto: return NegotiatingSession(makeText: makeText, makeBinary: makeBinary)
            }
        }
    }
}
