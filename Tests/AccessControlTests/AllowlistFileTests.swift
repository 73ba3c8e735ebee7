import XCTest
import Locking
@testable import AccessControl

/// `--allow-file`: its format and limits, and reloads that replace the list or keep it.
final class AllowlistFileTests: XCTestCase {
    private func ranges(_ text: String) throws -> [String] {
        try ClientAllowlist.ranges(inFile: Array(text.utf8), path: "f").map(\.description)
    }

    func testFormat() throws {
        XCTAssertEqual(try ranges("# clients\n10.0.0.0/8\n\n  ::1  # the host itself\r\n\t192.168.0.0/16\t\n#last"),
                       ["10.0.0.0/8", "::1", "192.168.0.0/16"])
    }

    func testRefusals() {
        XCTAssertThrowsError(try ranges("10.0.0.0/8\nnonsense\n")) {
            XCTAssertEqual(($0 as? AllowlistError)?.description,
                           "allowlist file f: line 2: bad allowlist entry 'nonsense': not an IPv4 or IPv6 address")
        }
        XCTAssertThrowsError(try ranges("# only comments\n\n")) {
            XCTAssertEqual(($0 as? AllowlistError)?.description, "allowlist file f: no address ranges in it")
        }
        XCTAssertThrowsError(try ClientAllowlist.ranges(inFile: [0xFF, 0x0A], path: "f"))
        let oversize = [UInt8](repeating: UInt8(ascii: "#"), count: ClientAllowlist.maxFileBytes + 1)
        XCTAssertThrowsError(try ClientAllowlist.ranges(inFile: oversize, path: "f"))
        let tooMany = String(repeating: "127.0.0.1\n", count: ClientAllowlist.maxRanges + 1)
        XCTAssertThrowsError(try ClientAllowlist(ranges: ClientAllowlist.ranges(inFile: Array(tooMany.utf8), path: "f")))
    }

    func testNoFlagsMeansNoAllowlist() throws {
        XCTAssertNil(try SharedAllowlist.make(ranges: [], filePath: nil, readFile: { _ in nil }))
    }

    func testReloadReplacesTheFileRangesAndKeepsTheFixedOnes() throws {
        let file = Locked<String?>("127.0.0.2\n")
        let list = try XCTUnwrap(SharedAllowlist.make(ranges: ["::1"], filePath: "list", readFile: { _ in file.withLock { $0.map { Array($0.utf8) } } }))
        let two = try AddressRange(parsing: "127.0.0.2").network, three = try AddressRange(parsing: "127.0.0.3").network
        let one = try AddressRange(parsing: "::1").network
        XCTAssertTrue(list.admits(two))
        XCTAssertFalse(list.admits(three))
        file.withLock { $0 = "127.0.0.3\n" }
        XCTAssertEqual(list.reload(), .reloaded(ranges: 2))
        XCTAssertFalse(list.admits(two))
        XCTAssertTrue(list.admits(three))
        XCTAssertTrue(list.admits(one), "--allow ranges stay")
        // A bad or missing file keeps the list in force.
        file.withLock { $0 = "127.0.0.4/8\n" }
        guard case .kept(let reason) = list.reload() else { return XCTFail("a bad file was taken") }
        XCTAssertTrue(reason.contains("bits are set after the /8 prefix"), reason)
        file.withLock { $0 = nil }
        XCTAssertEqual(list.reload(), .kept(reason: "allowlist file list: no such file"))
        file.withLock { $0 = "" }
        XCTAssertEqual(list.reload(), .kept(reason: "allowlist file list: no address ranges in it"))
        XCTAssertTrue(list.admits(three))
        XCTAssertFalse(list.admits(two))
    }

    func testAMissingFileAtStartIsAnError() {
        XCTAssertThrowsError(try SharedAllowlist.make(ranges: [], filePath: "gone", readFile: { _ in nil }))
        struct Unreadable: Error {}
        XCTAssertThrowsError(try SharedAllowlist.make(ranges: [], filePath: "locked", readFile: { _ in throw Unreadable() }))
    }

    func testOnlyFixedRangesHaveNothingToReload() throws {
        let list = try XCTUnwrap(SharedAllowlist.make(ranges: ["10.0.0.0/8"], filePath: nil, readFile: { _ in nil }))
        XCTAssertEqual(list.reload(), .noFile)
    }
}
