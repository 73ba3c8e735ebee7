import CacheEngine
import MemcacheProtocol
import Networking
import OutputBuffers

/// The binary protocol state of one connection (memcached's `proto_bin.c`): reads 24-byte request
/// headers from raw bytes, runs the command against the engine and appends binary responses. Like
/// `TextSession` it knows nothing of sockets and consumes only complete requests, except a store's
/// value, which is copied into its pending item as it arrives.
///
/// Deliberate differences from memcached 1.6.18 (everything else is meant to match byte for byte):
/// - SASL offers only PLAIN, checked against the password file loaded at start (memcached's
///   Cyrus SASL re-reads `MEMCACHED_SASL_PWDB` on every attempt and may list more mechanisms);
///   SASL step always fails, as PLAIN has a single step;
/// - the version text is swiftcached's; `stat` groups follow the text protocol's `stats`;
/// - `stat sizes_enable` / `sizes_disable` answer "Not found".
public final class BinarySession {
    let context: WorkerContext
    let engine: CacheEngine
    let counters: CounterBlock
    /// `stats detail`'s per-prefix counts, recorded only while `detailSwitch.isOn`.
    let detail: PrefixStatistics
    let detailSwitch: PrefixStatistics.Switch
    /// How hit values go out: copied, or in place with the item pinned.
    let sending: ValueSending
    /// The server's `watch` connections; lines are made only while `watchSwitch` says someone watches.
    let watchHub: WatchHub
    let watchSwitch: WatchHub.Switch
    /// The connection's socket as log lines name it (`cfd=`); the network layer tells us (`attach`).
    var descriptor: Int32 = -1
    /// `-S`: commands other than SASL and version need an authenticated connection.
    let credentials: CredentialStore?
    var state: BinaryInputState = .awaitingRequest
    var authenticated = false
    /// Set by quit, a protocol error or a refused unauthenticated command.
    var closeRequested = false

    public init(context: WorkerContext) {
        self.context = context
        self.engine = context.server.engine
        self.counters = context.counters
        detail = context.server.prefixStatistics
        detailSwitch = detail.switch
        sending = ValueSending(engine: engine, limits: context.server.settings.responseLimits)
        self.credentials = context.server.settings.saslCredentials
        watchHub = context.server.watchHub
        watchSwitch = watchHub.switch
    }

    /// The network layer names the connection's socket for `watch` lines' `cfd=`.
    public func attach(descriptor: Int32) { self.descriptor = descriptor }

    /// `fetchers`: the lookup a command is about to make (see WatchHub+Commands.swift).
    func logLookup(_ key: UnsafeRawBufferPointer) {
        watchHub.logLookup(key, in: engine, descriptor: descriptor)
    }

    deinit { close() }

    /// Handles the complete requests in `input` (at most `requestLimit`); see `TextSession.process`.
    public func process(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer, requestLimit: Int) -> SessionProgress {
        var position = 0
        var requests = 0
        closeRequested = false
        while !closeRequested {
            if case .awaitingRequest = state {
                let rest = UnsafeRawBufferPointer(rebasing: input[position...])
                if requests >= requestLimit {
                    return SessionProgress(consumed: position, commands: requests, shouldClose: false, yielded: rest.count >= BinaryRequestHeader.size)
                }
                guard let header = BinaryRequestHeader.parse(rest, at: 0) else {
                    return SessionProgress(consumed: position, commands: requests, shouldClose: false, yielded: false)
                }
                guard header.magic == BinaryRequestHeader.requestMagic else {
                    // memcached closes on a bad magic without answering.
                    return SessionProgress(consumed: position, commands: requests, shouldClose: true, yielded: false)
                }
                let needed = bytesNeededToDispatch(header)
                guard rest.count >= needed else {
                    return SessionProgress(consumed: position, commands: requests, shouldClose: false, yielded: false)
                }
                requests += 1
                let request = BinaryRequest(header: header, bytes: rest)
                position += BinaryRequestHeader.size + header.extrasLength + header.keyLength
                position += dispatch(request, body: rest, into: &output)
                continue
            }
            switch state.continueBlock(input, at: &position) {
            case .needsMoreInput:
                return SessionProgress(consumed: position, commands: requests, shouldClose: false, yielded: false)
            case .received(let reception):
                finishStore(reception, into: &output)
            case .swallowed(let answer):
                answer.append(to: &output)
            }
        }
        return SessionProgress(consumed: position, commands: requests, shouldClose: true, yielded: false)
    }

    /// The connection is gone: give back a half-received item.
    public func close() {
        if case .receivingValue(let reception) = state {
            engine.release(reception.item)
        }
        state = .awaitingRequest
    }

    /// memcached waits for the header, extras and key before it looks at a request; SASL data is
    /// also needed whole (it is checked at once), unless it is too large to be accepted anyway.
    private func bytesNeededToDispatch(_ header: BinaryRequestHeader) -> Int {
        let fixed = BinaryRequestHeader.size + header.extrasLength + header.keyLength
        guard credentials != nil, header.opcode == BinaryOpcode.saslAuth.rawValue || header.opcode == BinaryOpcode.saslStep.rawValue,
              header.valueLength > 0, header.valueLength <= BinarySession.maxSASLData
        else { return fixed }
        return fixed + header.valueLength
    }

    /// SASL data beyond this is refused as out of memory (memcached could not allocate an item for it).
    static let maxSASLData = 64 * 1024
}

/// The binary protocol's read cycle: a refused request's answer is an error response.
typealias BinaryInputState = DataBlockState<BinaryValueReception, BinaryErrorAnswer>

/// An error response held back while the rest of its request is swallowed.
struct BinaryErrorAnswer {
    let opcode: UInt8
    let status: BinaryStatus
    let opaque: UInt32
    let message: StaticString?

    func append(to output: inout OutputBuffer) {
        output.appendBinaryError(opcode: opcode, status: status, opaque: opaque, message: message)
    }
}

/// One request's header fields and where its extras and key lie in the bytes it was read from.
struct BinaryRequest {
    let header: BinaryRequestHeader
    /// The loud form of the opcode, or nil for one memcached does not implement.
    let command: BinaryOpcode?
    /// A quiet (`…Q`) opcode: success answers are left out.
    let quiet: Bool
    let extras: ByteSpan
    let key: ByteSpan

    init(header: BinaryRequestHeader, bytes: UnsafeRawBufferPointer) {
        self.header = header
        let loud = BinaryOpcode(rawValue: header.opcode)?.loud
        command = loud?.command
        quiet = loud?.quiet ?? false
        extras = ByteSpan(start: BinaryRequestHeader.size, count: header.extrasLength)
        key = ByteSpan(start: BinaryRequestHeader.size + header.extrasLength, count: header.keyLength)
    }

    var opcode: UInt8 { header.opcode }
    var opaque: UInt32 { header.opaque }
}

/// The value of a binary store, copied into its pending item as it arrives (no trailing `\r\n`
/// in this protocol).
struct BinaryValueReception: DataBlockReception {
    let item: PendingItem
    private var writer: ValueWriter
    let opcode: UInt8
    let opaque: UInt32
    let quiet: Bool
    let mode: StoreMode
    let compareCAS: UInt64
    private(set) var received = 0

    init(item: PendingItem, request: BinaryRequest, mode: StoreMode) {
        self.item = item
        writer = item.makeWriter()
        opcode = request.opcode
        opaque = request.opaque
        quiet = request.quiet
        self.mode = mode
        compareCAS = request.header.cas
    }

    var isComplete: Bool { received == item.valueLength }

    mutating func receive(from input: UnsafeRawBufferPointer, at start: Int) -> Int {
        let count = min(item.valueLength - received, input.count - start)
        guard count > 0, let source = input.baseAddress else { return 0 }
        writer.write(UnsafeRawBufferPointer(start: source + start, count: count))
        received += count
        return count
    }
}
