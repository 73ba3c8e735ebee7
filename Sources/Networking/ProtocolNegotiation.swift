import MemcacheProtocol
import OutputBuffers
import RequestHandling

/// `-B auto`: a connection whose protocol is decided by its first byte, as memcached's
/// `try_read_command_negotiate` does: the binary request magic (0x80) makes it a binary
/// connection, anything else a text one. Until that byte arrives nothing is created; afterwards
/// every call goes straight to the chosen session.
final class NegotiatingSession: ConnectionSession {
    private let makeText: () -> ConnectionSession
    private let makeBinary: () -> ConnectionSession
    private var chosen: ConnectionSession?
    private var descriptor: Int32 = -1

    init(makeText: @escaping () -> ConnectionSession, makeBinary: @escaping () -> ConnectionSession) {
        self.makeText = makeText
        self.makeBinary = makeBinary
    }

    func process(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer, requestLimit: Int) -> SessionProgress {
        if chosen == nil {
            guard let first = input.first else { return SessionProgress(consumed: 0, commands: 0, shouldClose: false, yielded: false) }
            chosen = first == BinaryRequestHeader.requestMagic ? makeBinary() : makeText()
            chosen!.attach(descriptor: descriptor)
        }
        return chosen!.process(input, into: &output, requestLimit: requestLimit)
    }

    func close() { chosen?.close() }
    func attach(descriptor: Int32) { self.descriptor = descriptor }
    var watchFeed: LogWatcher? { chosen?.watchFeed }
}

/// Which session a new TCP or unix-socket connection gets, from `-B`, `-S` and `-Y`.
enum ProtocolSessions {
    static func factory(for context: WorkerContext) -> () -> ConnectionSession {
        let settings = context.server.settings
        let makeBinary: () -> ConnectionSession = { BinarySession(context: context) }
        let makeText: () -> ConnectionSession
        if let credentials = settings.asciiCredentials {
            makeText = { AsciiAuthSession(context: context, credentials: credentials) }
        } else {
            makeText = { TextSession(context: context) }
        }
        switch settings.bindingProtocol {
        case .ascii: return makeText
        case .binary: return makeBinary
        case .auto: return { NegotiatingSession(makeText: makeText, makeBinary: makeBinary) }
        }
    }
}
