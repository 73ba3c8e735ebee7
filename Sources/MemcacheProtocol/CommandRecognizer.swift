/// Names the command of a tokenized line and checks its word count, in memcached 1.6.18's order of
/// tests (`process_command_ascii`), which decides between `ERROR` and a command's own errors.
///
/// Word counts here are real words; memcached's counts are one higher (its terminal token).
public enum CommandRecognizer {
    public static func recognize(_ tokens: TokenTable, in bytes: UnsafeRawBufferPointer) -> Recognition {
        // No valid command is shorter than two bytes.
        guard tokens.count >= 1, tokens[0].count >= 2 else { return .error }
        let name = tokens[0]
        let words = tokens.count
        func named(_ literal: StaticString) -> Bool { bytes.span(name, equals: literal) }
        func accept(_ kind: CommandKind, _ counts: ClosedRange<Int>) -> Recognition {
            counts.contains(words) ? .command(kind) : .error
        }

        // The two commands of nearly every request, by one 3-byte comparison before the general walk.
        if name.count == 3, words >= 2 {
            let first3 = UInt32(bytes[name.start]) | UInt32(bytes[name.start + 1]) << 8 | UInt32(bytes[name.start + 2]) << 16
            if first3 == CommandRecognizer.getName { return .command(.get) }
            if first3 == CommandRecognizer.setName { return accept(.set, 5...6) }
        }
        switch bytes[name.start] {
        case UInt8(ascii: "m") where name.count == 2:
            return recognizeMeta(bytes[name.start + 1], words: words)
        case UInt8(ascii: "g"):
            guard words >= 2 else { return .error }
            if named("get") { return .command(.get) }
            if named("gets") { return .command(.gets) }
            if named("gat") { return .command(.gat) }
            if named("gats") { return .command(.gats) }
            return .error
        case UInt8(ascii: "s"):
            if named("set") { return accept(.set, 5...6) }
            if named("stats") { return .command(.stats) }
            if named("shutdown") { return .command(.shutdown) }
            if named("slabs") { return .command(.slabs) }
            return .error
        case UInt8(ascii: "a"):
            if named("add") { return accept(.add, 5...6) }
            if named("append") { return accept(.append, 5...6) }
            return .error
        case UInt8(ascii: "c"):
            if named("cas") { return accept(.cas, 6...7) }
            if named("cache_memlimit") { return accept(.cacheMemoryLimit, 2...3) }
            return .error
        case UInt8(ascii: "i"):
            if named("incr") { return accept(.incr, 3...4) }
            return .error
        case UInt8(ascii: "d"):
            if named("delete") { return accept(.delete, 2...4) }
            if named("decr") { return accept(.decr, 3...4) }
            return .error
        case UInt8(ascii: "t"):
            if named("touch") { return accept(.touch, 3...4) }
            return .error
        default:
            if named("replace") { return accept(.replace, 5...6) }
            if named("prepend") { return accept(.prepend, 5...6) }
            if named("bget") { return words >= 2 ? .command(.get) : .error }
            if named("flush_all") { return accept(.flushAll, 1...3) }
            if named("version") { return .command(.version) }
            if named("quit") { return .command(.quit) }
            if named("verbosity") { return accept(.verbosity, 2...3) }
            if named("lru") { return words >= 2 ? .command(.lru) : .error }
            if named("lru_crawler") { return .command(.lruCrawler) }
            if named("watch") { return .command(.watch) }
            if named("refresh_certs") { return .command(.refreshCertificates) }
            // memcached hangs up on what looks like an HTTP request.
            if bytes.span(tokens[words - 1], hasPrefix: "HTTP/") { return .closeConnection }
            return .error
        }
    }

    private static let getName = UInt32(ascii3: "get")
    private static let setName = UInt32(ascii3: "set")

    /// Meta commands are two bytes long. All but `mn` and `me` need a key (else `ERROR`); `me`
    /// without one answers its own error, as in memcached.
    private static func recognizeMeta(_ letter: UInt8, words: Int) -> Recognition {
        let kind: CommandKind
        switch letter {
        case UInt8(ascii: "n"): return .command(.metaNoOp)
        case UInt8(ascii: "e"): return .command(.metaDebug)
        case UInt8(ascii: "g"): kind = .metaGet
        case UInt8(ascii: "s"): kind = .metaSet
        case UInt8(ascii: "d"): kind = .metaDelete
        case UInt8(ascii: "a"): kind = .metaArithmetic
        default: return .error
        }
        return words >= 2 ? .command(kind) : .error
    }
}

private extension UInt32 {
    /// Three ASCII bytes packed little-endian first-byte-lowest, as `recognize` packs a command name.
    init(ascii3 name: StaticString) {
        precondition(name.utf8CodeUnitCount == 3)
        let bytes = name.utf8Start
        self = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16
    }
}
