import XCTest

/// Flags the binary refuses, and the ones that print and exit.
final class CommandLineTests: XCTestCase {
    private func assertRefused(_ arguments: [String], saying expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try runToCompletion(arguments)
        XCTAssertNotEqual(result.status, 0, "\(arguments) should fail", file: file, line: line)
        XCTAssertTrue(result.output.contains(expected), "\(arguments): \(result.output)", file: file, line: line)
    }

    /// memcached's rules for combining -U, -S, -Y and -B.
    func testProtocolCombinationsAreRefused() throws {
        try assertRefused(["-U", "1", "-S"], saying: "ERROR: Cannot enable UDP while using binary SASL authentication.")
        try assertRefused(["-S", "-B", "auto"], saying: "ERROR: You cannot allow the ASCII protocol while using SASL.")
        try assertRefused(["-Y", "/dev/null", "-B", "binary"],
                          saying: "ERROR: You cannot allow the BINARY protocol while using ascii authentication tokens.")
        try assertRefused(["-B", "json"], saying: "Invalid value for binding protocol: json")
        try assertRefused(["-U", "70000"], saying: "ERROR: Invalid port number 70000.")
    }

    func testInvalidValuesAreRefused() throws {
        try assertRefused(["-t", "0"], saying: "Number of threads must be greater than 0")
        try assertRefused(["-f", "1.0"], saying: "Factor must be greater than 1")
        try assertRefused(["-n", "0"], saying: "Chunk size must be greater than 0")
        try assertRefused(["-m", "0"], saying: "Cannot set item size limit higher than 1/2 of memory max.")
        try assertRefused(["-c", "0"], saying: "Maximum connections must be greater than 0")
        try assertRefused(["-R", "0"], saying: "Number of requests per event must be greater than 0")
        try assertRefused(["-I", "512"], saying: "Item max size cannot be less than 1024 bytes.")
        try assertRefused(["-I", "2048m", "-m", "8192"], saying: "Cannot set item size limit higher than a gigabyte.")
        try assertRefused(["-o", "hashpower=40"], saying: "too high")
        try assertRefused(["-o", "slab_chunk_max=300000"], saying: "must be evenly divisible by slab_chunk_max (bytes: 300000)")
    }

    /// memcached's -I / slab_chunk_max rules and messages, plus the sizes memcached crashes on or that
    /// the chunked item layout cannot use.
    func testItemSizeAndChunkSizeRules() throws {
        try assertRefused(["-I", "100m"], saying: "Cannot set item size limit higher than 1/2 of memory max.")
        try assertRefused(["-I", "1024"], saying: "slab_chunk_max (bytes: 524288) cannot be larger than -I (item_size_max 1024)")
        try assertRefused(["-I", "2m", "-o", "slab_chunk_max=2097152"],
                          saying: "slab_chunk_max (bytes: 2097152) must divide evenly into 1048576 (slab_page_size)")
        try assertRefused(["-o", "slab_chunk_max=512k"], saying: "could not parse argument to slab_chunk_max")
        try assertRefused(["-o", "slab_chunk_max=0"], saying: "slab_chunk_max must be greater than 0")
        try assertRefused(["-o", "slab_chunk_max=256"], saying: "slab_chunk_max (bytes: 256) must be at least 512")
        try assertRefused(["-o", "no_such_option"], saying: "Illegal suboption")
        try assertRefused(["-o", "hot_lru_pct=0"], saying: "hot_lru_pct must be > 1 and < 80")
        try assertRefused(["-o", "warm_lru_pct=80"], saying: "warm_lru_pct must be > 1 and < 80")
        try assertRefused(["-o", "hot_lru_pct=50,warm_lru_pct=40"], saying: "hot_lru_pct + warm_lru_pct cannot be more than 80% combined")
        try assertRefused(["-o", "hot_max_factor=0"], saying: "hot_max_factor must be > 0")
        try assertRefused(["-o", "warm_max_factor"], saying: "Missing warm_max_factor argument")
        try assertRefused(["-o", "temporary_ttl=10"], saying: "temporary_ttl requires lru_maintainer to be enabled")
        try assertRefused(["-o", "lru_segmented,no_lru_maintainer,temporary_ttl=10"], saying: "temporary_ttl requires lru_maintainer")
        try assertRefused(["-o", "eviction_policy=clock"], saying: "eviction_policy must be one of")
        try assertRefused(["-p", "port"], saying: "-p")
    }

    func testUnknownFlagIsRefused() throws {
        try assertRefused(["-j"], saying: "-j")
    }

    func testVersionPrintsAndExits() throws {
        let result = try runToCompletion(["-V"])
        XCTAssertEqual(result.status, 0)
        // Swiftcached's own release here; `version` answers the protocol level (1.6.18) alone.
        XCTAssertTrue(result.output.hasPrefix("swiftcached 0.1 (memcached 1.6.18 protocol)"), result.output)
    }

    func testHelpListsFlags() throws {
        let result = try runToCompletion(["-h"])
        XCTAssertEqual(result.status, 0)
        for flag in ["-p", "-U", "-s", "-a", "-l", "-c", "-t", "-R", "-b", "-m", "-M", "-f", "-n", "-I", "-C", "-v", "-V", "-o"] {
            XCTAssertTrue(result.output.contains("\(flag), "), "help should list \(flag)")
        }
    }
}
