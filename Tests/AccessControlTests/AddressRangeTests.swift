import XCTest
@testable import AccessControl
#if canImport(Glibc)
import Glibc
#endif

/// The CIDR matcher: parsing (through inet_pton) and matching at the edges of the prefix lengths,
/// with IPv4 clients seen natively and as IPv4-mapped IPv6 (a dual-stack socket's view).
final class AddressRangeTests: XCTestCase {
    private func range(_ text: String) throws -> AddressRange { try AddressRange(parsing: Substring(text)) }

    private func address(_ text: String) -> IPAddressBits {
        var ipv4 = in_addr()
        if inet_pton(AF_INET, text, &ipv4) == 1 { return IPAddressBits(ipv4: ipv4) }
        var ipv6 = in6_addr()
        precondition(inet_pton(AF_INET6, text, &ipv6) == 1, text)
        return IPAddressBits(ipv6: ipv6)
    }

    /// A real socket address of either family, as accept and recvfrom fill it.
    private func admits<Address>(_ list: SharedAllowlist, _ socketAddress: Address) -> Bool {
        withUnsafePointer(to: socketAddress) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { list.admits($0) } }
    }

    private func admits(_ list: SharedAllowlist, ipv4 text: String) -> Bool {
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, text, &socketAddress.sin_addr)
        return admits(list, socketAddress)
    }

    private func admits(_ list: SharedAllowlist, ipv6 text: String) -> Bool {
        var socketAddress = sockaddr_in6()
        socketAddress.sin6_family = sa_family_t(AF_INET6)
        inet_pton(AF_INET6, text, &socketAddress.sin6_addr)
        return admits(list, socketAddress)
    }

    func testASingleIPv4AddressMatchesOnlyItselfInBothForms() throws {
        let loopback = try range("127.0.0.1")
        XCTAssertEqual(loopback, try range("127.0.0.1/32"))
        XCTAssertTrue(loopback.contains(address("127.0.0.1")))
        XCTAssertTrue(loopback.contains(address("::ffff:127.0.0.1")), "IPv4-mapped IPv6 is the same client")
        XCTAssertFalse(loopback.contains(address("127.0.0.2")))
        XCTAssertFalse(loopback.contains(address("127.0.0.0")))
        XCTAssertFalse(loopback.contains(address("::1")))
        XCTAssertFalse(loopback.contains(address("::127.0.0.1")), "IPv4-compatible form is another address")
    }

    func testAMappedRangeIsTheIPv4Range() throws {
        XCTAssertEqual(try range("::ffff:127.0.0.1").network, try range("127.0.0.1").network)
        XCTAssertEqual(try range("::ffff:127.0.0.1/128").prefixLength, try range("127.0.0.1/32").prefixLength)
        XCTAssertTrue(try range("::ffff:10.0.0.0/104").contains(address("10.200.3.4")))
        XCTAssertFalse(try range("::ffff:10.0.0.0/104").contains(address("11.0.0.1")))
    }

    func testSlashZero() throws {
        let everyIPv4 = try range("0.0.0.0/0")
        XCTAssertTrue(everyIPv4.contains(address("0.0.0.0")))
        XCTAssertTrue(everyIPv4.contains(address("255.255.255.255")))
        XCTAssertTrue(everyIPv4.contains(address("::ffff:8.8.8.8")))
        XCTAssertFalse(everyIPv4.contains(address("::1")), "an IPv4 /0 is every IPv4 address, not IPv6")
        let everything = try range("::/0")
        for text in ["::", "::1", "fe80::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "127.0.0.1"] {
            XCTAssertTrue(everything.contains(address(text)), text)
        }
    }

    func testIPv6SingleAddressAndPrefixes() throws {
        let one = try range("::1/128")
        XCTAssertEqual(one, try range("::1"))
        XCTAssertTrue(one.contains(address("::1")))
        XCTAssertFalse(one.contains(address("::2")))
        XCTAssertFalse(one.contains(address("::")))
        XCTAssertFalse(one.contains(address("127.0.0.1")))
        let documentation = try range("2001:db8::/32")
        XCTAssertTrue(documentation.contains(address("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")))
        XCTAssertFalse(documentation.contains(address("2001:db9::")))
        // Prefixes that end inside the low word and exactly at the word boundary.
        XCTAssertTrue(try range("fd00:1:2:3:4::/80").contains(address("fd00:1:2:3:4:0:ffff:1")))
        XCTAssertFalse(try range("fd00:1:2:3:4::/80").contains(address("fd00:1:2:3:5::1")))
        XCTAssertTrue(try range("fd00:1:2:3::/64").contains(address("fd00:1:2:3:ffff::")))
        XCTAssertFalse(try range("fd00:1:2:3::/64").contains(address("fd00:1:2:4::")))
        XCTAssertTrue(try range("fd00::/63").contains(address("fd00:0:0:1::9")))
        XCTAssertFalse(try range("fd00::/63").contains(address("fd00:0:0:2::")))
    }

    func testIPv4PrefixEdges() throws {
        XCTAssertTrue(try range("10.0.0.0/8").contains(address("10.255.255.255")))
        XCTAssertFalse(try range("10.0.0.0/8").contains(address("11.0.0.0")))
        XCTAssertFalse(try range("10.0.0.0/8").contains(address("9.255.255.255")))
        XCTAssertTrue(try range("192.168.1.128/25").contains(address("192.168.1.255")))
        XCTAssertFalse(try range("192.168.1.128/25").contains(address("192.168.1.127")))
        XCTAssertTrue(try range("128.0.0.0/1").contains(address("200.1.1.1")))
        XCTAssertFalse(try range("128.0.0.0/1").contains(address("127.255.255.255")))
    }

    func testMalformedEntriesAreRefused() {
        let bad = ["", "/", "127.0.0.1/", "127.0.0.1/33", "::1/129", "127.0.0.1/-1", "127.0.0.1/+8", "127.0.0.1/ 8",
                   "127.0.0.1/0008", "127.0.0.1/8/8", "10.0.0.1/8", "::1/64", "256.0.0.1", "1.2.3", "localhost",
                   "fe80::1%eth0", " 127.0.0.1", "127.0.0.1 ", "0x7f.0.0.1", "1::2::3"]
        for text in bad {
            XCTAssertThrowsError(try range(text), text)
        }
        XCTAssertThrowsError(try range("10.0.0.1/8")) {
            XCTAssertEqual(($0 as? AllowlistError)?.description, "bad allowlist entry '10.0.0.1/8': bits are set after the /8 prefix")
        }
    }

    func testSocketAddressesOfBothFamilies() throws {
        let list = try XCTUnwrap(SharedAllowlist.make(ranges: ["127.0.0.1"], filePath: nil, readFile: { _ in nil }))
        XCTAssertTrue(admits(list, ipv4: "127.0.0.1"))
        XCTAssertFalse(admits(list, ipv4: "127.0.0.2"))
        XCTAssertTrue(admits(list, ipv6: "::ffff:127.0.0.1"))
        XCTAssertFalse(admits(list, ipv6: "::1"))
        var unix = sockaddr_un()
        unix.sun_family = sa_family_t(AF_UNIX)
        XCTAssertTrue(admits(list, unix), "a unix socket has no address to judge")
    }
}
