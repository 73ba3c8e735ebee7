import ArgumentParser
import XCTest
@testable import ConfigFile

/// A small command standing in for the executables: one single-value option, one repeatable
/// option, a counted flag.
private struct Sample: ParsableArguments {
    @Option(name: [.customShort("m")]) var memory: Int = 64
    @Option(name: [.customShort("l"), .customLong("listen")]) var listen: [String] = []
    @Option(name: [.customShort("o")]) var extended: [String] = []
    @Flag(name: [.customShort("v")]) var verbose: Int
    @Option(name: .customLong("config-file")) var configFile: String?
}

/// Debian's memcached.conf format, the per-line checks, and how the command line combines with it.
final class ConfigFileTests: XCTestCase {
    private func file(_ text: String) throws -> ConfigFile { try ConfigFile(path: "f.conf", text: text) }

    private func refusal(_ text: String) -> String? {
        do throws(ConfigFileError) {
            let parsed = try ConfigFile(path: "f.conf", text: text)
            try ConfigArguments<Sample>.check(parsed)
            return nil
        } catch {
            return error.description
        }
    }

    func testDebianFormat() throws {
        let parsed = try file("# comment\n-d\nlogfile /var/log/memcached.log\n\n  -m 64   # trailing\n-l\t127.0.0.1\r\n-vv\n-h\n")
        XCTAssertEqual(parsed.lines, [ConfigFile.Line(number: 5, words: ["-m", "64"]),
                                      ConfigFile.Line(number: 6, words: ["-l", "127.0.0.1"]),
                                      ConfigFile.Line(number: 7, words: ["-vv"])])
        XCTAssertEqual(parsed.dropped, ["f.conf:2: -d", "f.conf:3: logfile /var/log/memcached.log", "f.conf:8: -h"])
        XCTAssertEqual(parsed.arguments, ["-m", "64", "-l", "127.0.0.1", "-vv"])
    }

    func testEscapedHashIsKept() throws {
        XCTAssertEqual(try file("-o a\\#b # comment").arguments, ["-o", "a#b"])
    }

    func testBlanksSeparateEvenBeforeACombiningMark() throws {
        // A tab then U+0310 is one Character to Swift; split by scalar, as a shell splits bytes
        // (found by the configfile fuzz target: written back with a space, the words merged).
        XCTAssertEqual(try file("-o a\t\u{310}b\n").arguments, ["-o", "a", "\u{310}b"])
    }

    func testTheInstalledDebianFileParses() throws {
        // The file memcached's Debian package installs, as shipped (it is what the tests start with).
        let text = try String(contentsOfFile: "/etc/memcached.conf", encoding: .utf8)
        let parsed = try ConfigFile(path: "/etc/memcached.conf", text: text)
        XCTAssertTrue(parsed.arguments.contains("-m"))
        XCTAssertFalse(parsed.arguments.contains("-d"))
    }

    func testRefusalsNameTheLine() {
        XCTAssertEqual(refusal("-m 64\nhello\n"), "f.conf:2: expected a flag such as \"-m 64\", found \"hello\"")
        XCTAssertEqual(refusal("-m 64\n\n-x 1\n"), "f.conf:3: Unknown option '-x'")
        XCTAssertEqual(refusal("-m sixty\n")?.hasPrefix("f.conf:1: "), true)
        XCTAssertEqual(refusal("-m\n")?.hasPrefix("f.conf:1: Missing value"), true)
        XCTAssertEqual(refusal("-m 1\n--config-file other\n"), "f.conf:2: --config-file cannot be given inside a configuration file")
        XCTAssertEqual(refusal("-l \"a b\"\n"), "f.conf:1: quotes are not supported; write values without blanks")
        XCTAssertEqual(refusal("-\n"), "f.conf:1: expected a flag such as \"-m 64\", found \"-\"")
        XCTAssertNil(refusal("-m 32\n-l 127.0.0.1\n-o a\n-o b\n"))
    }

    func testUnreadableAndBinaryFiles() throws {
        XCTAssertThrowsError(try ConfigFile.load(path: "/nonexistent/swiftcached.conf")) {
            XCTAssertEqual(($0 as? ConfigFileError)?.description, "/nonexistent/swiftcached.conf: No such file or directory")
        }
        let path = NSTemporaryDirectory() + "configfiletests-\(getpid()).conf"
        defer { unlink(path) }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data([0x2d, 0x6d, 0x00, 0x31])))
        XCTAssertThrowsError(try ConfigFile.load(path: path)) {
            XCTAssertEqual(($0 as? ConfigFileError)?.reason, "not a text file (NUL bytes or invalid UTF-8)")
        }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x23, count: ConfigFile.maxBytes + 1)))
        XCTAssertThrowsError(try ConfigFile.load(path: path)) {
            XCTAssertEqual(($0 as? ConfigFileError)?.reason, "larger than \(ConfigFile.maxBytes) bytes")
        }
    }

    func testCommandLineOverridesTheFile() throws {
        let parsed = try file("-m 32\n-l 127.0.0.1\n-o a=1\n-v\n")
        let arguments = ConfigArguments<Sample>(file: parsed, commandLine: ["-m", "48", "-l", "0.0.0.0", "-o", "a=2"],
                                                replacing: [["-l", "--listen"]])
        let command = try Sample.parse(arguments.combined)
        XCTAssertEqual(command.memory, 48)             // single value: the last one wins
        XCTAssertEqual(command.listen, ["0.0.0.0"])    // replaced, not added to
        XCTAssertEqual(command.extended, ["a=1", "a=2"])  // -o adds up; the later suboption wins when applied
        XCTAssertEqual(command.verbose, 1)
        let attached = ConfigArguments<Sample>(file: parsed, commandLine: ["--listen=::1"], replacing: [["-l", "--listen"]])
        XCTAssertEqual(try Sample.parse(attached.combined).listen, ["::1"])
        let kept = ConfigArguments<Sample>(file: parsed, commandLine: [], replacing: [["-l", "--listen"]])
        XCTAssertEqual(try Sample.parse(kept.combined).listen, ["127.0.0.1"])
    }

    func testConfigFilePathIsTheLastGiven() {
        XCTAssertEqual(ConfigArguments<Sample>.configFilePath(in: ["--config-file", "a", "-m", "1", "--config-file=b"]), "b")
        XCTAssertNil(ConfigArguments<Sample>.configFilePath(in: ["-m", "1", "--config-file"]))
        XCTAssertNil(ConfigArguments<Sample>.configFilePath(in: ["--", "--config-file", "a"]))
    }

    func testBlameFindsTheLineThatMakesTheWholeRefused() throws {
        let parsed = try file("-v\n-m 8\n-o x\n")
        let arguments = ConfigArguments<Sample>(file: parsed, commandLine: [], replacing: [])
        // Refused once the memory is below 16 (line 2 sets 8).
        let refused: ([String]) -> Bool = { (try? Sample.parse($0))?.memory ?? 0 < 16 }
        XCTAssertEqual(arguments.blame(refused), Location(path: "f.conf", line: 2))
        let commandLineAtFault = ConfigArguments<Sample>(file: parsed, commandLine: ["-m", "4"], replacing: [])
        XCTAssertNil(commandLineAtFault.blame(refused))
    }
}

/// A command whose `validate()` ties two options together, as swiftcached-config's probe settings do.
private struct Validated: ParsableArguments {
    @Option var interval: Double = 1
    @Option var timeout: Double = 0.5
    @Option(name: .customLong("config-file")) var configFile: String?

    func validate() throws {
        guard timeout <= interval * 10 else { throw ValidationError("timeout too long for the interval") }
    }
}

final class ConfigFileValidationTests: XCTestCase {
    private func load(_ text: String) throws -> [String]? {
        let path = NSTemporaryDirectory() + "configfilevalidation-\(getpid()).conf"
        defer { unlink(path) }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
        return try ConfigArguments<Validated>.load(commandLine: ["--config-file", path], replacing: [])?.combined
    }

    func testALineMadeValidByALaterOneIsAccepted() throws {
        // "--timeout 20" alone fails validation against the default interval; with "--interval 5" it is valid.
        XCTAssertNotNil(try load("--timeout 20\n--interval 5\n"))
    }

    func testAnInvalidWholeNamesTheLine() {
        XCTAssertThrowsError(try load("--interval 1\n--timeout 20\n")) {
            XCTAssertEqual(($0 as? ConfigFileError)?.location.line, 2)
        }
    }
}
