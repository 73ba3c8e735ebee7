import CacheEngine
import MemcacheProtocol
import Networking
import OutputBuffers

/// `-Y`: a text connection that must authenticate before any command (memcached's
/// `try_read_command_asciiauth`). Until a client sends `set <key> <flags> <exptime> <length>`
/// followed by a data block `<user> <password>\r\n` with a valid pair (answered `STORED`), every
/// line is answered `CLIENT_ERROR unauthenticated`; after that the connection is an ordinary
/// `TextSession`. Passwords are checked by `CredentialStore` in constant time and never logged.
public final class AsciiAuthSession {
    private let text: TextSession
    private let credentials: CredentialStore
    private let counters: CounterBlock
    private let maxLineLength: Int
    private let tokens = TokenTable()
    private var authenticated = false
    /// Bytes of the token block (data plus `\r\n`) still expected after an accepted `set` line.
    private var pendingBlock: Int?

    public init(context: WorkerContext, credentials: CredentialStore) {
        text = TextSession(context: context)
        self.credentials = credentials
        counters = context.counters
        maxLineLength = context.server.settings.maxLineLength
    }

    public func process(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer, requestLimit: Int) -> SessionProgress {
        var position = 0
        var requests = 0
        while !authenticated {
            let rest = UnsafeRawBufferPointer(rebasing: input[position...])
            if requests >= requestLimit {
                return SessionProgress(consumed: position, commands: requests, shouldClose: false, yielded: !rest.isEmpty)
            }
            switch step(rest, into: &output) {
            case .needMore: return SessionProgress(consumed: position, commands: requests, shouldClose: false, yielded: false)
            case .close: return SessionProgress(consumed: position, commands: requests, shouldClose: true, yielded: false)
            case .consumed(let count):
                position += count
                requests += 1
            }
        }
        var progress = text.process(UnsafeRawBufferPointer(rebasing: input[position...]), into: &output,
                                    requestLimit: max(1, requestLimit - requests))
        progress.consumed += position
        progress.commands += requests
        return progress
    }

    public func close() { text.close() }
    public func attach(descriptor: Int32) { text.attach(descriptor: descriptor) }
    public var watchFeed: LogWatcher? { text.watchFeed }

    /// The largest token block (data plus `\r\n`) an unauthenticated client may send: memcached reads
    /// such a client into its fixed 16 KB read buffer and hangs up, without an answer, once more of a
    /// larger block has arrived than the buffer holds. So a stranger declaring a 1 GB block makes the
    /// server hold 16 KB, not the gigabyte.
    static let maxHeldBlock = 16 * 1024

    private enum Step {
        case needMore
        case close
        case consumed(Int)
    }

    /// One stage of the login: the `set` line, then its block.
    private func step(_ rest: UnsafeRawBufferPointer, into output: inout OutputBuffer) -> Step {
        if let block = pendingBlock {
            // memcached's buffer can never hold a larger block: it hangs up once more than it holds came.
            if block > Self.maxHeldBlock { return rest.count > Self.maxHeldBlock ? .close : .needMore }
            guard rest.count >= block else { return .needMore }
            pendingBlock = nil
            checkToken(UnsafeRawBufferPointer(rebasing: rest[..<block]), into: &output)
            return .consumed(block)
        }
        // memcached needs two bytes before it looks for the line end.
        guard rest.count >= 2 else { return .needMore }
        guard let newline = CommandLineScanner.newline(in: rest, from: 0) else {
            return rest.count > maxLineLength ? .close : .needMore
        }
        judgeSetLine(rest, lineEnd: newline, into: &output)
        return .consumed(newline + 1)
    }

    /// Only the word `set` and a numeric fifth word (the block length) are looked at; the key,
    /// flags and exptime are ignored, as in memcached.
    private func judgeSetLine(_ bytes: UnsafeRawBufferPointer, lineEnd: Int, into output: inout OutputBuffer) {
        tokens.fill(from: bytes, line: ByteSpan(start: 0, count: lineEnd))
        guard tokens.count >= 5, bytes.span(tokens[0], equals: "set"),
              let length = ProtocolNumbers.parseUInt32(withoutCarriageReturn(bytes[span: tokens[4]]))
        else {
            return output.append(AuthResponse.unauthenticated)
        }
        pendingBlock = Int(length) + 2
    }

    /// The block must end in `\r\n` and hold at least two words: user and password.
    private func checkToken(_ block: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        guard block[block.count - 2] == 0x0D, block[block.count - 1] == 0x0A else {
            return output.append(AuthResponse.badTermination)
        }
        let payload = UnsafeRawBufferPointer(rebasing: block[..<(block.count - 2)])
        tokens.fill(from: payload, line: ByteSpan(start: 0, count: payload.count))
        guard tokens.count >= 2 else { return output.append(AuthResponse.badTokenFormat) }
        counters.add(.authCmds)
        if credentials.verify(user: payload[span: tokens[0]], password: payload[span: tokens[1]]) {
            authenticated = true
            output.append(ResponseLine.stored)
        } else {
            counters.add(.authErrors)
            output.append(AuthResponse.failure)
        }
    }

    /// memcached leaves the `\r` of the line end on the last word (its number parser stops there).
    private func withoutCarriageReturn(_ word: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        word.last == 0x0D ? UnsafeRawBufferPointer(rebasing: word.dropLast()) : word
    }
}

/// memcached's answers during ASCII authentication.
enum AuthResponse {
    static let unauthenticated: StaticString = "CLIENT_ERROR unauthenticated\r\n"
    static let failure: StaticString = "CLIENT_ERROR authentication failure\r\n"
    static let badTermination: StaticString = "CLIENT_ERROR bad command line termination\r\n"
    static let badTokenFormat: StaticString = "CLIENT_ERROR bad authentication token format\r\n"
}
