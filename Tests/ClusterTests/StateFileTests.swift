import XCTest
@testable import Cluster
#if canImport(Glibc)
import Glibc
#endif

final class StateFileTests: XCTestCase {
    private func temporaryPath(_ name: String) -> String {
        let directory = NSTemporaryDirectory() + "cluster-tests-\(getpid())-\(name)"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory + "/state"
    }

    func testSaveThenLoadRoundTrips() throws {
        let file = StateFile(path: temporaryPath("roundtrip"))
        XCTAssertEqual(try file.load(), .empty)
        let state = PersistedState(payload: ConfigPayload(version: 42, nodes: [ClusterNode(host: "a", ip: "", port: 1)]))
        try file.save(state)
        XCTAssertEqual(try file.load(), state)
        try file.save(PersistedState(payload: ConfigPayload(version: 43, nodes: [])))
        XCTAssertEqual(try file.load().payload.version, 43)
    }

    func testACorruptStateFileIsAnErrorNotVersionZero() throws {
        let path = temporaryPath("corrupt")
        try "garbage\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try StateFile(path: path).load())
    }

    /// Each of these once stopped the endpoint at every start (or crashed it at the next change):
    /// now the file is renamed to `<path>.rejected` and the endpoint starts from nothing.
    func testAStateFileThatFailsValidationIsSetAside() throws {
        let poisons: [[UInt8]] = [
            Array("18446744073709551615\na||1\n".utf8),
            Array("9007199254740993\n\n".utf8),
            Array("garbage\n".utf8),
            [0xFF, 0xFE, 0x0A, 0x0A],
            Array("1\n".utf8) + [UInt8](repeating: UInt8(ascii: " "), count: StateFile.maxBytes),
        ]
        for (index, poison) in poisons.enumerated() {
            let path = temporaryPath("poison\(index)")
            try Data(poison).write(to: URL(fileURLWithPath: path))
            let file = StateFile(path: path)
            let (state, notice) = try file.loadOrSetAside()
            XCTAssertEqual(state, .empty)
            XCTAssertTrue(notice?.contains("set aside as \(path).rejected") == true, notice ?? "no notice")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path))
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file.rejectedPath)), Data(poison), "kept for the operator")
            XCTAssertEqual(try file.loadOrSetAside().state, .empty)
        }
    }

    func testAGoodStateFileIsNotSetAside() throws {
        let file = StateFile(path: temporaryPath("good"))
        let state = PersistedState(payload: ConfigPayload(version: ClusterVersion.maximum, nodes: [ClusterNode(host: "a", ip: "", port: 1)]))
        try file.save(state)
        let (loaded, notice) = try file.loadOrSetAside()
        XCTAssertEqual(loaded, state)
        XCTAssertNil(notice)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.rejectedPath))
    }

    func testAClusterFileLargerThanTheLimitIsRefused() throws {
        let path = temporaryPath("bigcluster") + ".nodes"
        try Data(Array("a||1\n".utf8) + [UInt8](repeating: UInt8(ascii: "\n"), count: ConfigPayload.maxBytes)).write(to: URL(fileURLWithPath: path))
        var file = ClusterFile(path: path)
        XCTAssertThrowsError(try file.load()) { XCTAssertTrue($0 is FileBytes.TooLarge, "\($0)") }
    }

    func testClusterFileChangeIsNoticedAndABadFileIsRefused() throws {
        let path = temporaryPath("clusterfile") + ".nodes"
        try "a||1\n".write(toFile: path, atomically: true, encoding: .utf8)
        var file = ClusterFile(path: path)
        XCTAssertTrue(file.hasChanged())
        XCTAssertEqual(try file.load(), [ClusterNode(host: "a", ip: "", port: 1)])
        XCTAssertFalse(file.hasChanged())
        try "a||1 b||x\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertTrue(file.hasChanged())
        XCTAssertThrowsError(try file.load())
        XCTAssertFalse(file.hasChanged(), "a bad file is reported once, not every second")
    }
}
