import ConfigFile

/// `--config-file`'s parser (Debian's memcached.conf format) on any text: what it accepts is words
/// without blanks or quotes, no dropped flag (`-d`, `-h`) or directive (`logfile`) among its lines,
/// every line starting with a flag; and written back one line per line, `#` escaped, it parses to
/// the same words.
enum ConfigFileTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard let text = String(validating: input, as: UTF8.self),
              let file = try? ConfigFile(path: "fuzz.conf", text: text) else { return }
        for line in file.lines {
            precondition(!line.words.isEmpty && line.words[0].hasPrefix("-") && line.words[0] != "-" && line.words[0] != "--")
            precondition(!ConfigFile.droppedFlags.contains(line.words[0]))
            for word in line.words {
                precondition(!word.isEmpty && !word.unicodeScalars.contains { ConfigFile.blanks.contains($0) || "\n\"'".unicodeScalars.contains($0) })
            }
        }
        let written = file.lines.map { line in
            line.words.map { word in
                String(String.UnicodeScalarView(word.unicodeScalars.flatMap { $0 == "#" ? ["\\", "#"] : [$0] }))
            }.joined(separator: " ")
        }.joined(separator: "\n")
        guard let reread = try? ConfigFile(path: "fuzz.conf", text: written) else {
            preconditionFailure("written back, the accepted file is refused: \(written)")
        }
        precondition(reread.lines.map(\.words) == file.lines.map(\.words), "written back, the words differ")
    }
}
