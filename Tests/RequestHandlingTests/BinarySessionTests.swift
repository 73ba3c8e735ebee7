import Networking
import OutputBuffers
import XCTest
import CacheEngine
import MemcacheProtocol
@testable import RequestHandling

/// Plays the network layer for any session kind (binary, ASCII-auth): pending input, yields, output.
final class BytesHarness {
    let engine: CacheEngine
    let server: ServerContext
    let worker: WorkerContext
    private let process: (UnsafeRawBufferPointer, inout OutputBuffer, Int) -> SessionProgress
    private let closeSession: () -> Void
    private var output = OutputBuffer(capacity: 256)
    private(set) var pending: [UInt8] = []
    private(set) var closed = false

    init(configure: (inout ServerSettings) -> Void = { _ in },
         session: (WorkerContext) -> (process: (UnsafeRawBufferPointer, inout OutputBuffer, Int) -> SessionProgress, close: () -> Void)) {
        var settings = ServerSettings()
        settings.engine.memoryLimit = 8 << 20
        configure(&settings)
        engine = CacheEngine(configuration: settings.engine, clock: CacheClock(unixNow: 1_700_000_000))
        server = ServerContext(settings: settings, engine: engine)
        worker = WorkerContext(server: server, workerIndex: 0)
        (process, closeSession) = session(worker)
    }

    func shutdown() {
        closeSession()
        output.deallocate()
        engine.shutdown()
    }

    @discardableResult
    func send(_ bytes: [UInt8], requestLimit: Int = 20) -> [UInt8] {
        precondition(!closed, "connection already closed")
        pending += bytes
        while true {
            let progress = pending.withUnsafeBytes { process($0, &output, requestLimit) }
            XCTAssertLessThanOrEqual(progress.consumed, pending.count)
            pending.removeFirst(progress.consumed)
            if progress.shouldClose { closed = true; break }
            if !progress.yielded { break }
        }
        let answer = output.unsentBytes
        output.consume(output.readableCount)
        return answer
    }

    func counter(_ counter: Counter) -> UInt64 { server.counters.total(counter) }
}

/// A binary request packet.
func binaryRequest(_ opcode: UInt8, key: String = "", extras: [UInt8] = [], value: [UInt8] = [], opaque: UInt32 = 0x0A0B0C0D,
                   cas: UInt64 = 0, bodyLength: Int? = nil, magic: UInt8 = 0x80) -> [UInt8] {
    let keyBytes = Array(key.utf8)
    let body = bodyLength ?? (keyBytes.count + extras.count + value.count)
    var packet: [UInt8] = [magic, opcode, UInt8(keyBytes.count >> 8), UInt8(keyBytes.count & 0xFF), UInt8(extras.count), 0, 0, 0]
    packet += bigEndian(UInt32(body)) + bigEndian(opaque) + bigEndian(cas)
    return packet + extras + keyBytes + value
}

func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.bigEndian) { Array($0) }
}

/// One parsed response packet.
struct BinaryResponse: Equatable {
    var opcode: UInt8, status: UInt16, extras: [UInt8], key: [UInt8], value: [UInt8], opaque: UInt32, cas: UInt64

    static func parseAll(_ bytes: [UInt8]) -> [BinaryResponse] {
        var result: [BinaryResponse] = []
        var position = 0
        while bytes.count - position >= 24 {
            XCTAssertEqual(bytes[position], 0x81, "response magic")
            let h = Array(bytes[position..<(position + 24)])
            let keyLength = Int(h[2]) << 8 | Int(h[3]), extrasLength = Int(h[4])
            let bodyLength = h[8..<12].reduce(0) { $0 << 8 | Int($1) }
            let body = Array(bytes[(position + 24)..<(position + 24 + bodyLength)])
            result.append(BinaryResponse(
                opcode: h[1], status: UInt16(h[6]) << 8 | UInt16(h[7]), extras: Array(body[..<extrasLength]),
                key: Array(body[extrasLength..<(extrasLength + keyLength)]), value: Array(body[(extrasLength + keyLength)...]),
                opaque: h[12..<16].reduce(0) { $0 << 8 | UInt32($1) }, cas: h[16..<24].reduce(0) { $0 << 8 | UInt64($1) }))
            position += 24 + bodyLength
        }
        XCTAssertEqual(position, bytes.count, "trailing partial packet")
        return result
    }
}

final class BinarySessionTests: XCTestCase {
    func makeBinary(configure: (inout ServerSettings) -> Void = { _ in }) -> BytesHarness {
        let h = BytesHarness(configure: configure) { worker in
            let session = BinarySession(context: worker)
            return ({ session.process($0, into: &$1, requestLimit: $2) }, { session.close() })
        }
        addTeardownBlock { h.shutdown() }
        return h
    }

    let setExtras = bigEndian(UInt32(0xCAFE)) + bigEndian(UInt32(0))

    func testSetGetGetkBytes() {
        let h = makeBinary()
        let stored = BinaryResponse.parseAll(h.send(binaryRequest(0x01, key: "k", extras: setExtras, value: Array("hello".utf8))))
        XCTAssertEqual(stored.count, 1)
        XCTAssertEqual(stored[0].status, 0)
        XCTAssertEqual(stored[0].opaque, 0x0A0B0C0D)
        XCTAssertNotEqual(stored[0].cas, 0)
        let got = BinaryResponse.parseAll(h.send(binaryRequest(0x00, key: "k") + binaryRequest(0x0C, key: "k")))
        XCTAssertEqual(got.map(\.value), [Array("hello".utf8), Array("hello".utf8)])
        XCTAssertEqual(got.map(\.extras), [bigEndian(UInt32(0xCAFE)), bigEndian(UInt32(0xCAFE))])
        XCTAssertEqual(got.map(\.key), [[], Array("k".utf8)])
        XCTAssertEqual(got[0].cas, stored[0].cas)
        let miss = BinaryResponse.parseAll(h.send(binaryRequest(0x00, key: "nope") + binaryRequest(0x0C, key: "nope")))
        XCTAssertEqual(miss.map(\.status), [1, 1])
        XCTAssertEqual(miss[0].value, Array("Not found".utf8))
        XCTAssertEqual(miss[1].key, Array("nope".utf8))
        XCTAssertEqual(h.counter(.getHits), 2)
        XCTAssertEqual(h.counter(.getMisses), 2)
    }

    func testQuietFormsAnswerOnlyWhatMustBeAnswered() {
        let h = makeBinary()
        let quiet = binaryRequest(0x11, key: "q", extras: setExtras, value: [1]) + binaryRequest(0x09, key: "missing")
            + binaryRequest(0x0D, key: "q") + binaryRequest(0x12, key: "q", extras: setExtras, value: [2]) + binaryRequest(0x0A)
        let responses = BinaryResponse.parseAll(h.send(quiet))
        // getkq hit, addq failure (errors are always sent), noop.
        XCTAssertEqual(responses.map(\.opcode), [0x0D, 0x12, 0x0A])
        XCTAssertEqual(responses.map(\.status), [0, 2, 0])
    }

    func testByteByByteFeedingGivesTheSameAnswers() {
        let requests = binaryRequest(0x01, key: "b", extras: setExtras, value: Array(repeating: 7, count: 300))
            + binaryRequest(0x0E, key: "b", value: [8]) + binaryRequest(0x05, key: "n", extras: bigEndian(UInt64(2)) + bigEndian(UInt64(40)) + bigEndian(UInt32(0)))
            + binaryRequest(0x00, key: "b") + binaryRequest(0x50) + binaryRequest(0x0A)
        let whole = makeBinary().send(requests)
        let h = makeBinary()
        var pieces: [UInt8] = []
        for byte in requests { pieces += h.send([byte], requestLimit: 1) }
        XCTAssertEqual(BinaryResponse.parseAll(pieces).map(\.status), BinaryResponse.parseAll(whole).map(\.status))
        XCTAssertEqual(BinaryResponse.parseAll(pieces).map(\.value), BinaryResponse.parseAll(whole).map(\.value))
        XCTAssertTrue(h.pending.isEmpty)
    }

    func testIncrementCreatesWithInitialValueUnlessExpirationIsAllOnes() {
        let h = makeBinary()
        func incr(_ key: String, delta: UInt64, initial: UInt64, expiration: UInt32) -> BinaryResponse {
            BinaryResponse.parseAll(h.send(binaryRequest(0x05, key: key, extras: bigEndian(delta) + bigEndian(initial) + bigEndian(expiration))))[0]
        }
        XCTAssertEqual(incr("n", delta: 5, initial: 100, expiration: 0).value, bigEndian(UInt64(100)))
        XCTAssertEqual(incr("n", delta: 5, initial: 100, expiration: 0).value, bigEndian(UInt64(105)))
        XCTAssertEqual(incr("m", delta: 5, initial: 100, expiration: 0xFFFF_FFFF).status, 1)
        XCTAssertEqual(h.counter(.incrMisses), 1)
        XCTAssertEqual(h.counter(.incrHits), 1)
    }

    func testBadInputClosesOrSwallowsAsMemcached() {
        XCTAssertEqual(BinaryResponse.parseAll(makeBinary().send(binaryRequest(0x00, key: String(repeating: "k", count: 251)))).map(\.status), [4])
        let badMagic = makeBinary()
        XCTAssertEqual(badMagic.send(binaryRequest(0x0A, magic: 0x81)), [])
        XCTAssertTrue(badMagic.closed)
        let lies = makeBinary()
        XCTAssertEqual(BinaryResponse.parseAll(lies.send(binaryRequest(0x00, key: "abc", bodyLength: 1))).map(\.status), [0x81])
        XCTAssertTrue(lies.closed)
        // An unknown opcode's answer waits until its (over-long, as in memcached) swallow is done.
        let unknown = makeBinary()
        XCTAssertEqual(unknown.send(binaryRequest(0x50, key: "abc")), [])
        XCTAssertEqual(BinaryResponse.parseAll(unknown.send([1, 2, 3])).map(\.status), [0x81])
        XCTAssertFalse(unknown.closed)
        // A refused store's value is swallowed and nothing is stored.
        let big = makeBinary()
        let header = binaryRequest(0x01, key: "big", extras: setExtras, bodyLength: 3 + 8 + 2 << 20)
        XCTAssertEqual(big.send(header), [])
        XCTAssertEqual(big.send(Array(repeating: 0, count: 1 << 20)), [])
        XCTAssertEqual(BinaryResponse.parseAll(big.send(Array(repeating: 0, count: 1 << 20))).map(\.status), [3])
        XCTAssertEqual(BinaryResponse.parseAll(big.send(binaryRequest(0x00, key: "big"))).map(\.status), [1])
    }

    func testUnknownOpcodeSwallowOf2GBOrMoreSkipsNothing() {
        // memcached's swallow count is a C int: 2^31 turns negative, so nothing is skipped and the
        // noop after the request is answered; 2^31 - 1 is skipped (waited for) as usual.
        let noop = binaryRequest(0x0A)
        let negative = makeBinary()
        XCTAssertEqual(BinaryResponse.parseAll(negative.send(binaryRequest(0x50, key: "k1", bodyLength: 1 << 31) + noop)).map(\.status), [0x81, 0])
        let saslWithoutS = makeBinary()
        XCTAssertEqual(BinaryResponse.parseAll(saslWithoutS.send(binaryRequest(0x21, key: "PLAIN", bodyLength: 0xFFFF_FFFF) + noop)).map(\.status), [0x81, 0])
        let positive = makeBinary()
        XCTAssertEqual(positive.send(binaryRequest(0x50, key: "k1", bodyLength: (1 << 31) - 1) + noop), [])
        XCTAssertFalse(positive.closed)
    }

    func testSASLGateAndLogin() {
        let h = makeBinary { $0.saslCredentials = try! CredentialStore(contents: Array("alice:secret:extra\n".utf8), passwordEnd: .colonOrEndOfLine) }
        XCTAssertEqual(BinaryResponse.parseAll(h.send(binaryRequest(0x20)))[0].value, Array("PLAIN".utf8))
        XCTAssertEqual(BinaryResponse.parseAll(h.send(binaryRequest(0x0B)))[0].status, 0)
        let wrong = BinaryResponse.parseAll(h.send(binaryRequest(0x21, key: "PLAIN", value: Array("\0alice\0nope".utf8))))
        XCTAssertEqual(wrong.map(\.status), [0x20])
        XCTAssertEqual(wrong[0].value, Array("Auth failure.".utf8))
        let right = BinaryResponse.parseAll(h.send(binaryRequest(0x21, key: "PLAIN", value: Array("alice\0alice\0secret".utf8))))
        XCTAssertEqual(right.map(\.value), [Array("Authenticated".utf8)])
        XCTAssertEqual(BinaryResponse.parseAll(h.send(binaryRequest(0x00, key: "k"))).map(\.status), [1])
        XCTAssertEqual(h.counter(.authCmds), 2)
        XCTAssertEqual(h.counter(.authErrors), 1)
        // Any SASL command drops the login again; then a get is refused and the connection closed.
        _ = h.send(binaryRequest(0x20))
        XCTAssertEqual(BinaryResponse.parseAll(h.send(binaryRequest(0x00, key: "k"))).map(\.status), [0x20])
        XCTAssertTrue(h.closed)
    }

    func testStatsArePackets() {
        let h = makeBinary()
        let stats = BinaryResponse.parseAll(h.send(binaryRequest(0x10)))
        XCTAssertEqual(stats.last, BinaryResponse(opcode: 0x10, status: 0, extras: [], key: [], value: [], opaque: 0x0A0B0C0D, cas: 0))
        XCTAssertTrue(stats.contains { $0.key == Array("pid".utf8) })
        XCTAssertEqual(BinaryResponse.parseAll(h.send(binaryRequest(0x10, key: "nonsense"))).map(\.status), [1])
    }
}

final class AuthenticationTests: XCTestCase {
    func makeAuth() -> BytesHarness {
        let credentials = try! CredentialStore(contents: Array("alice:s3cret\r\nbob:with:colon\n".utf8))
        let h = BytesHarness { worker in
            let session = AsciiAuthSession(context: worker, credentials: credentials)
            return ({ session.process($0, into: &$1, requestLimit: $2) }, { session.close() })
        }
        addTeardownBlock { h.shutdown() }
        return h
    }

    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    func testAsciiLoginFlow() {
        let h = makeAuth()
        XCTAssertEqual(text(h.send(Array("get a\r\nquit\r\n".utf8))), "CLIENT_ERROR unauthenticated\r\nCLIENT_ERROR unauthenticated\r\n")
        XCTAssertEqual(text(h.send(Array("set a 0 0 11\r\nalice wrong\r\n".utf8))), "CLIENT_ERROR authentication failure\r\n")
        XCTAssertEqual(text(h.send(Array("set a 0 0 14\r\nbob with:colon\r\n".utf8))), "STORED\r\n")
        XCTAssertEqual(text(h.send(Array("set a 0 0 1\r\nx\r\nget a\r\n".utf8))), "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n")
        XCTAssertEqual(h.counter(.authCmds), 2)
        XCTAssertEqual(h.counter(.authErrors), 1)
    }

    func testAsciiLoginPiecesAndErrors() {
        let h = makeAuth()
        var answer: [UInt8] = []
        for byte in Array("set k 0 0 12\r\nalice s3cret\r\n".utf8) { answer += h.send([byte]) }
        XCTAssertEqual(text(answer), "STORED\r\n")
        let bad = makeAuth()
        XCTAssertEqual(text(bad.send(Array("set k 0 0 3\r\nabcde".utf8))), "CLIENT_ERROR bad command line termination\r\n")
        XCTAssertEqual(text(bad.send(Array("set k 0 0 5\r\nalice\r\n".utf8))), "CLIENT_ERROR bad authentication token format\r\n")
        XCTAssertEqual(text(bad.send(Array("set k 0 0 x\r\n".utf8))), "CLIENT_ERROR unauthenticated\r\n")
        _ = bad.send(Array(repeating: UInt8(ascii: "a"), count: 2049))
        XCTAssertTrue(bad.closed)
    }

    func testCredentialStore() throws {
        let store = try CredentialStore(contents: Array("u1:p1\n\nu2:p:2\r\n".utf8))
        XCTAssertEqual(store.count, 2)
        func check(_ user: String, _ password: String) -> Bool {
            Array(user.utf8).withUnsafeBytes { u in Array(password.utf8).withUnsafeBytes { store.verify(user: u, password: $0) } }
        }
        XCTAssertTrue(check("u1", "p1"))
        XCTAssertTrue(check("u2", "p:2"))
        XCTAssertFalse(check("u1", "p"))
        XCTAssertFalse(check("u1", "p1x"))
        XCTAssertFalse(check("u2", "p1"))
        XCTAssertFalse(check("", ""))
        XCTAssertThrowsError(try CredentialStore(contents: Array("nocolon\n".utf8)))
        let sasl = try CredentialStore(contents: Array("u:pw:extra\n".utf8), passwordEnd: .colonOrEndOfLine)
        XCTAssertTrue(Array("u".utf8).withUnsafeBytes { u in Array("pw".utf8).withUnsafeBytes { sasl.verify(user: u, password: $0) } })
    }

    func testSASLPlainMessage() {
        Array("z\0user\0pass".utf8).withUnsafeBytes { bytes in
            let message = SASLPlainMessage.parse(bytes)
            XCTAssertEqual(message.map { Array($0.user) }, Array("user".utf8))
            XCTAssertEqual(message.map { Array($0.password) }, Array("pass".utf8))
            XCTAssertEqual(message?.authorizesOnlyItself, false)
        }
        for bad in ["user\0pass", "\0\0pass", "a\0b\0c\0d", ""] {
            Array(bad.utf8).withUnsafeBytes { XCTAssertNil(SASLPlainMessage.parse($0), bad) }
        }
    }
}

final class DatagramTests: XCTestCase {
    func testFrameHeader() {
        let frame: [UInt8] = [0x12, 0x34, 0, 0, 0, 1, 0, 0] + Array("get a\r\n".utf8)
        frame.withUnsafeBytes { XCTAssertEqual(UDPFrameHeader.judge($0), .request(UDPFrameHeader(requestID: 0x1234, sequence: 0, datagramCount: 1))) }
        [UInt8](repeating: 0, count: 8).withUnsafeBytes { XCTAssertEqual(UDPFrameHeader.judge($0), .drop) }
        ([0, 1, 0, 0, 0, 2, 0, 0] + Array("x".utf8)).withUnsafeBytes { XCTAssertEqual(UDPFrameHeader.judge($0), .drop) }
        XCTAssertEqual(UDPFrameHeader.datagramCount(forResponseLength: 0), 1)
        XCTAssertEqual(UDPFrameHeader.datagramCount(forResponseLength: 1392), 1)
        XCTAssertEqual(UDPFrameHeader.datagramCount(forResponseLength: 1393), 2)
    }

    func testEachRequestIsItsOwnResponseAndPartialRequestsAreForgotten() {
        var settings = ServerSettings()
        settings.engine.memoryLimit = 8 << 20
        let engine = CacheEngine(configuration: settings.engine)
        defer { engine.shutdown() }
        let session = DatagramSession(context: WorkerContext(server: ServerContext(settings: settings, engine: engine), workerIndex: 0))
        var scratch = OutputBuffer(capacity: 64)
        defer { scratch.deallocate() }
        func run(_ text: String) -> [String] {
            var answers: [String] = []
            Array(text.utf8).withUnsafeBytes { session.respond(to: $0, using: &scratch) { answers.append(String(decoding: $0, as: UTF8.self)) } }
            return answers
        }
        XCTAssertEqual(run("set a 0 0 1\r\nx\r\nget a\r\nget b\r\n"), ["STORED\r\n", "VALUE a 0 1\r\nx\r\nEND\r\n", "END\r\n"])
        XCTAssertEqual(run("set p 0 0 5\r\nab"), [])
        XCTAssertEqual(run("get p\r\n"), ["END\r\n"])
        XCTAssertEqual(run("get a"), [])
        XCTAssertEqual(run("get a\r\n"), ["VALUE a 0 1\r\nx\r\nEND\r\n"])
    }
}
