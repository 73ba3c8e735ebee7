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
