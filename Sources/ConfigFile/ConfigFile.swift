#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A server's flags written in a file, in the format of Debian's `/etc/memcached.conf`, so that an
/// existing memcached configuration serves unchanged: one flag (with its value) per line, `#` starts
/// a comment (`\#` is a literal `#`), blank lines are skipped. As Debian's systemd wrapper does, `-d`
/// and `-h` lines are dropped (the service manager keeps the process in the foreground) and so is
/// `logfile PATH` (output goes to the journal); any other line that is not a flag is an error.
public struct ConfigFile: Sendable, Equatable {
    /// One line that contributes arguments, with its 1-based number for error messages.
    public struct Line: Sendable, Equatable {
        public let number: Int
        public let words: [String]

        public init(number: Int, words: [String]) {
            self.number = number
            self.words = words
        }
    }

    /// A configuration is a few dozen lines; more than this is not a configuration file.
    public static let maxBytes = 1 << 20

    public let path: String
    public let lines: [Line]
    /// Lines read but dropped (`-d`, `-h`, `logfile`), as "path:line: text", for the log.
    public let dropped: [String]

    /// Every argument in file order, as a command line would give them.
    public var arguments: [String] { lines.flatMap(\.words) }

    public init(path: String, text: String) throws(ConfigFileError) {
        self.path = path
        var lines: [Line] = []
        var dropped: [String] = []
        var number = 0
        // Split at the LF scalar ("\r\n" is one Character in Swift; its CR is a blank to `words`).
        for rawScalars in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            let rawLine = Substring(rawScalars)
            number += 1
            let words = try Self.words(of: rawLine, at: Location(path: path, line: number))
            guard let first = words.first else { continue }
            if Self.droppedFlags.contains(first) || first == "logfile" {
                dropped.append("\(path):\(number): \(words.joined(separator: " "))")
                continue
            }
            guard first.hasPrefix("-"), first != "-", first != "--" else {
                throw ConfigFileError(Location(path: path, line: number),
                                      "expected a flag such as \"-m 64\", found \"\(first)\"")
            }
            lines.append(Line(number: number, words: words))
        }
        self.lines = lines
        self.dropped = dropped
    }

    /// Reads and parses the file; an unreadable, oversized or non-UTF-8 file is an error naming it.
    public static func load(path: String) throws(ConfigFileError) -> ConfigFile {
        let bytes = try readBytes(path: path)
        guard let text = String(validating: bytes, as: UTF8.self), !bytes.contains(0) else {
            throw ConfigFileError(Location(path: path, line: nil), "not a text file (NUL bytes or invalid UTF-8)")
        }
        return try ConfigFile(path: path, text: text)
    }

    /// Flags Debian's wrapper drops: `-d` (daemonize: a service runs in the foreground) and `-h`.
    public static let droppedFlags: Set<String> = ["-d", "--daemon", "-h", "--help"]

    /// The line without its comment, split at blanks (the wrapper hands the line to a shell, which
    /// splits it the same way; quoting is not supported and is refused rather than misread). Read by
    /// Unicode scalar, as the shell reads bytes: a blank followed by a combining mark still separates.
    private static func words(of line: Substring, at location: Location) throws(ConfigFileError) -> [String] {
        var words: [String] = []
        var word = String.UnicodeScalarView()
        var previous: Unicode.Scalar? = nil
        for scalar in line.unicodeScalars {
            if scalar == "#", previous != "\\" { break }
            if scalar == "\"" || scalar == "'" {
                throw ConfigFileError(location, "quotes are not supported; write values without blanks")
            }
            if blanks.contains(scalar) {
                if !word.isEmpty { words.append(String(word)) }
                word = String.UnicodeScalarView()
            } else {
                if scalar == "#" { word.removeLast() }  // `\#`: the backslash only escapes it
                word.append(scalar)
            }
            previous = scalar
        }
        if !word.isEmpty { words.append(String(word)) }
        return words
    }

    /// What separates words: blanks, and the CR of a line ending in CRLF.
    public static let blanks: Set<Unicode.Scalar> = [" ", "\t", "\r"]

    private static func readBytes(path: String) throws(ConfigFileError) -> [UInt8] {
        let location = Location(path: path, line: nil)
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ConfigFileError(location, String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ConfigFileError(location, String(cString: strerror(errno)))
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
            guard bytes.count <= maxBytes else { throw ConfigFileError(location, "larger than \(maxBytes) bytes") }
        }
    }
}
