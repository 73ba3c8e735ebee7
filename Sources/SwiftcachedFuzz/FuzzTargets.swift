import CacheEngine
import MemcacheProtocol
import RequestHandling

/// The fuzz targets, one per parser this executable covers, chosen with `FUZZ_TARGET`:
///   binary  BinarySession (24-byte headers, lengths, extras, opcodes, SASL) — the default
///   text    TextSession: classic and meta commands (tokens, numbers, meta flags, base64 keys, data blocks)
///   udp     UDP frame header and DatagramSession (text or binary per datagram)
///   auth    AsciiAuthSession (-Y login), the SASL PLAIN message and the password-file parser
/// Each input is also fed in pieces (split where its first byte says) so incremental parsing is
/// exercised. Invariants checked on every call: a session never claims more bytes than it was
/// given, and the engine never holds more items than were stored.
enum FuzzTargets {
    static let context: WorkerContext = {
        var settings = ServerSettings()
        settings.engine.memoryLimit = 8 << 20
        settings.engine.itemSizeMax = 64 << 10
        settings.engine.slabPageSize = 1 << 20
        settings.engine.slabChunkMax = 512 << 10
        settings.saslCredentials = try! CredentialStore(contents: Array("alice:secret\n".utf8), passwordEnd: .colonOrEndOfLine)
        let engine = CacheEngine(configuration: settings.engine)
        return WorkerContext(server: ServerContext(settings: settings, engine: engine), workerIndex: 0)
    }()
    static let credentials = try! CredentialStore(contents: Array("alice:secret\nbob:pw\n".utf8))
    static var output = OutputBuffer(capacity: 64 << 10)

    static func run(_ input: UnsafeRawBufferPointer) {
        switch selectedTarget {
        case "text": text(input)
        case "udp": datagram(input)
        case "auth": auth(input)
        default: binary(input)
        }
        output.consume(output.readableCount)
    }

    static let selectedTarget: String = {
        guard let value = getenv("FUZZ_TARGET") else { return "binary" }
        return String(cString: value)
    }()

    static func binary(_ input: UnsafeRawBufferPointer) {
        let session = BinarySession(context: context)
        feed(input) { session.process($0, into: &output, requestLimit: $1) }
        session.close()
    }

    static func text(_ input: UnsafeRawBufferPointer) {
        let session = TextSession(context: context)
        feed(input) { session.process($0, into: &output, requestLimit: $1) }
        session.close()
    }

    static func datagram(_ input: UnsafeRawBufferPointer) {
        guard case .request = UDPFrameHeader.judge(input) else { return }
        let session = DatagramSession(context: context)
        session.respond(to: UnsafeRawBufferPointer(rebasing: input[UDPFrameHeader.size...]), using: &output) { answer in
            precondition(UDPFrameHeader.datagramCount(forResponseLength: answer.count) >= 1)
        }
    }

    static func auth(_ input: UnsafeRawBufferPointer) {
        let session = AsciiAuthSession(context: context, credentials: credentials)
        feed(input) { session.process($0, into: &output, requestLimit: $1) }
        session.close()
        if let message = SASLPlainMessage.parse(input) {
            precondition(message.user.count + message.password.count + message.authorizationID.count + 2 == input.count)
        }
        if let store = try? CredentialStore(contents: Array(input)) {
            _ = store.verify(user: input, password: input)
        }
    }

    /// Feeds the input as a network layer would: pieces of a size taken from the first byte, the
    /// unconsumed rest carried over and grown, a request limit taken from the second byte.
    static func feed(_ input: UnsafeRawBufferPointer, _ process: (UnsafeRawBufferPointer, Int) -> SessionProgress) {
        let piece = max(1, Int(input.first ?? 1))
        let limit = max(1, Int(input.count > 1 ? input[1] & 0x1F : 1))
        var pending: [UInt8] = []
        var offset = 0
        while offset < input.count {
            let end = min(input.count, offset + piece)
            pending += input[offset..<end]
            offset = end
            while !pending.isEmpty {
                let progress = pending.withUnsafeBytes { process($0, limit) }
                precondition(progress.consumed >= 0 && progress.consumed <= pending.count, "consumed more than given")
                pending.removeFirst(progress.consumed)
                if progress.shouldClose { return }
                if !progress.yielded { break }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
