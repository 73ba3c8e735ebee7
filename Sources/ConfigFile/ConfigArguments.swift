import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A command line built from `--config-file FILE` and the real command line: the file's arguments
/// first, the command line's after, parsed once. Options that take one value keep the last one
/// given, so the command line overrides the file; flags only add (memcached has no flag to undo
/// `-M` or `-k`). Repeatable options (`-l`, `-o`, `--allow`) would add up instead; for the ones
/// named in `replacing`, a command line that gives them replaces the file's lines for them, so
/// `-l 0.0.0.0` on the command line is not added to the file's `-l 127.0.0.1`. `-o` options still
/// add up: each suboption is applied in order, so a later one wins over an earlier one.
public struct ConfigArguments<Command: ParsableArguments> {
    public let file: ConfigFile
    public let commandLine: [String]
    /// Spellings of each repeatable option the command line replaces, e.g. `["-l", "--listen"]`.
    public let replacing: [[String]]

    /// The long option naming the file.
    public static var optionName: String { "--config-file" }

    /// Loads the file named on the command line and checks every line on its own, so that an
    /// unknown flag or a bad value is reported with its line. nil when no file is named.
    public static func load(commandLine: [String], replacing: [[String]]) throws(ConfigFileError) -> ConfigArguments? {
        guard let path = configFilePath(in: commandLine) else { return nil }
        let file = try ConfigFile.load(path: path)
        let arguments = ConfigArguments(file: file, commandLine: commandLine, replacing: replacing)
        do {
            try check(file)
        } catch {
            // A line alone is also validated against the defaults of every other flag (a command's
            // `validate()` runs in `parse`): one the rest of the file makes valid is no error.
            guard (try? Command.parse(arguments.combined)) != nil else { throw error }
        }
        return arguments
    }

    /// The process's arguments with the config file's in front, for `main`. A file that cannot be
    /// read, or has a line the parser refuses, stops the process with "FILE:LINE: reason" and exit 64
    /// (EX_USAGE, as memcached's usage errors): nothing starts half-configured.
    public static func processArguments(_ commandLine: [String], replacing: [[String]]) -> [String] {
        do {
            return try load(commandLine: commandLine, replacing: replacing)?.combined ?? commandLine
        } catch {
            fputs("\(error.description)\n", stderr)
            exit(64)
        }
    }

    public init(file: ConfigFile, commandLine: [String], replacing: [[String]]) {
        self.file = file
        self.commandLine = commandLine
        self.replacing = replacing
    }

    /// What the command parses: the file's lines (less those the command line replaces), then the
    /// command line.
    public var combined: [String] { arguments(upTo: file.lines.count) }

    /// Where a combination that parses line by line but is refused as a whole goes wrong: the first
    /// line whose addition makes `isRefused` true; the file as a whole when no line can be blamed;
    /// nil when the command line alone is refused already.
    public func blame(_ isRefused: ([String]) -> Bool) -> Location? {
        guard !isRefused(arguments(upTo: 0)) else { return nil }
        for (index, line) in file.lines.enumerated() where isRefused(arguments(upTo: index + 1)) {
            return Location(path: file.path, line: line.number)
        }
        return Location(path: file.path, line: nil)
    }

    /// The last `--config-file` of the command line (as the parser keeps the last value too).
    public static func configFilePath(in commandLine: [String]) -> String? {
        var path: String? = nil
        var index = 0
        while index < commandLine.count {
            let word = commandLine[index]
            if word == "--" { break }
            if word == optionName, index + 1 < commandLine.count {
                path = commandLine[index + 1]
                index += 1
            } else if word.hasPrefix(optionName + "=") {
                path = String(word.dropFirst(optionName.count + 1))
            }
            index += 1
        }
        return path
    }

    /// Every line parsed alone by the command's parser: an unknown flag, a missing or malformed value
    /// is reported as "FILE:LINE: the parser's message". A file may not name another file.
    public static func check(_ file: ConfigFile) throws(ConfigFileError) {
        for line in file.lines {
            let location = Location(path: file.path, line: line.number)
            if line.words.contains(where: { $0 == optionName || $0.hasPrefix(optionName + "=") }) {
                throw ConfigFileError(location, "\(optionName) cannot be given inside a configuration file")
            }
            do {
                _ = try Command.parse(line.words)
            } catch {
                let message = Command.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid"
                throw ConfigFileError(location, message)
            }
        }
    }

    private func arguments(upTo count: Int) -> [String] {
        let replaced = replacing.filter { spellings in commandLine.contains { Self.word($0, spells: spellings) } }
        let kept = file.lines.prefix(count).filter { line in
            !replaced.contains { spellings in Self.word(line.words[0], spells: spellings) }
        }
        return kept.flatMap(\.words) + commandLine
    }

    /// `-l`, `-lVALUE`, `--listen` and `--listen=VALUE` all spell `["-l", "--listen"]`.
    private static func word(_ word: String, spells spellings: [String]) -> Bool {
        spellings.contains { spelling in
            if word == spelling { return true }
            let isShort = !spelling.hasPrefix("--")
            return isShort ? word.hasPrefix(spelling) && !word.hasPrefix("--") : word.hasPrefix(spelling + "=")
        }
    }
}
