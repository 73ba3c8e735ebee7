/// The flags of one meta command (mg / ms / md / ma), read the way memcached 1.6.18's
/// `_meta_flag_preparse` reads them: only the first byte of a token names the flag, every meta
/// command accepts every known flag, and the parse decides both the request and the error string.
///
/// Lives on the stack of the request: fixed fields only, no allocation.
public struct MetaFlags {
    /// One bit per flag letter seen (ASCII 0..<128).
    private var seenLow: UInt64 = 0
    private var seenHigh: UInt64 = 0

    /// T: new TTL (protocol exptime).
    public var exptime: Int32 = 0
    /// N: autovivify on a miss with this TTL.
    public var vivifyExptime: Int32 = 0
    /// R: win the recache token when the remaining TTL is below this.
    public var recacheExptime: Int32 = 0
    /// F: client flags (ms).
    public var clientFlags: UInt32 = 0
    /// C: compare CAS.
    public var compareCAS: UInt64 = 0
    /// E: explicit new CAS (memcached 1.6.21+; 1.6.18 refuses the flag).
    public var explicitCAS: UInt64 = 0
    /// D: delta (ma), 1 by default.
    public var delta: UInt64 = 1
    /// J: initial value for an autovivified ma.
    public var initial: UInt64 = 0
    /// M: the mode byte (ms: E A P R S, ma: I + D -), 0 when not given.
    public var mode: UInt8 = 0
    /// Length of the decoded key in the caller's scratch buffer (b flag).
    public var decodedKeyLength = 0

    /// The request cannot run; answer `errorLine` (then, for ms, swallow the data block).
    public private(set) var failed = false
    /// memcached reports the last error message it recorded, or its default when a bad token set none.
    public private(set) var errorLine: StaticString = MetaResponse.badCommandLineFormat

    public init() {}

    public func has(_ byte: UInt8) -> Bool {
        byte < 64 ? seenLow & (1 << UInt64(byte)) != 0 : seenHigh & (1 << UInt64(byte - 64)) != 0
    }

    public var base64Key: Bool { has(UInt8(ascii: "b")) }
    /// q: answer only what must be answered.
    public var quiet: Bool { has(UInt8(ascii: "q")) }
    public var returnsValue: Bool { has(UInt8(ascii: "v")) }
    /// u: leave the LRU position, fetched bit and access time alone.
    public var noBump: Bool { has(UInt8(ascii: "u")) }
    public var invalidate: Bool { has(UInt8(ascii: "I")) }
    public var vivify: Bool { has(UInt8(ascii: "N")) }
    public var hasTTL: Bool { has(UInt8(ascii: "T")) }
    public var hasCompareCAS: Bool { has(UInt8(ascii: "C")) }
    public var hasExplicitCAS: Bool { has(UInt8(ascii: "E")) }
    /// x: md empties the value instead of deleting (memcached 1.6.21+).
    public var emptiesValue: Bool { has(UInt8(ascii: "x")) }

    private mutating func markSeen(_ byte: UInt8) -> Bool {
        if has(byte) { return false }
        if byte < 64 { seenLow |= 1 << UInt64(byte) } else { seenHigh |= 1 << UInt64(byte - 64) }
        return true
    }

    private mutating func fail(_ line: StaticString?) {
        failed = true
        if let line { errorLine = line }
    }

    /// Parses the flag tokens `tokens[first...]`. With the b flag the key (`tokens[1]`) is decoded
    /// into `keyScratch` (at least `Base64.maxDecodedKeyLength` bytes) and `decodedKeyLength` set.
    public static func parse(_ tokens: TokenTable, from first: Int, in bytes: UnsafeRawBufferPointer,
                             keyScratch: UnsafeMutableRawPointer) -> MetaFlags {
        var flags = MetaFlags()
        var index = first
        while index < tokens.count {
            let token = bytes[span: tokens[index]]
            index += 1
            let letter = token[0]
            // memcached answers "duplicate" for any byte past 126, whether seen or not.
            guard letter < 127, flags.markSeen(letter) else {
                flags.fail(MetaResponse.duplicateFlag)
                return flags
            }
            guard flags.read(letter, argument: UnsafeRawBufferPointer(rebasing: token[1...])) else {
                flags.fail(MetaResponse.invalidFlag)
                return flags
            }
            if letter == UInt8(ascii: "b") {
                flags.decodedKeyLength = Base64.decode(bytes[span: tokens[1]], into: keyScratch)
                if flags.decodedKeyLength == 0 { flags.fail(MetaResponse.errorDecodingKey) }
            }
        }
        return flags
    }

    /// Takes one flag's argument; false for a letter memcached does not know.
    private mutating func read(_ letter: UInt8, argument: UnsafeRawBufferPointer) -> Bool {
        switch letter {
        case UInt8(ascii: "N"): vivifyExptime = readTime(argument)
        case UInt8(ascii: "T"): exptime = readTime(argument)
        case UInt8(ascii: "R"): recacheExptime = readTime(argument)
        case UInt8(ascii: "F"):
            // memcached sets no message for a bad F: the default (or an earlier one) is reported.
            if let value = ProtocolNumbers.parseUInt32(argument) { clientFlags = value } else { fail(nil) }
        case UInt8(ascii: "C"): compareCAS = readUInt64(argument, error: MetaResponse.badToken)
        case UInt8(ascii: "E"): explicitCAS = readUInt64(argument, error: MetaResponse.badToken)
        case UInt8(ascii: "J"): initial = readUInt64(argument, error: MetaResponse.invalidInitial)
        case UInt8(ascii: "D"): delta = readUInt64(argument, error: MetaResponse.invalidDelta)
        case UInt8(ascii: "M"):
            if argument.count == 1 { mode = argument[0] } else { fail(MetaResponse.incorrectModeLength) }
        case UInt8(ascii: "b"), UInt8(ascii: "O"), UInt8(ascii: "P"), UInt8(ascii: "L"),
             UInt8(ascii: "k"), UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "c"), UInt8(ascii: "f"),
             UInt8(ascii: "v"), UInt8(ascii: "h"), UInt8(ascii: "l"), UInt8(ascii: "u"), UInt8(ascii: "q"),
             UInt8(ascii: "I"), UInt8(ascii: "x"):
            break
        default:
            return false
        }
        return true
    }

    private mutating func readTime(_ argument: UnsafeRawBufferPointer) -> Int32 {
        guard let value = ProtocolNumbers.parseInt32(argument) else {
            fail(MetaResponse.badToken)
            return 0
        }
        return value
    }

    private mutating func readUInt64(_ argument: UnsafeRawBufferPointer, error: StaticString) -> UInt64 {
        guard let value = ProtocolNumbers.parseUInt64(argument) else {
            fail(error)
            return 0
        }
        return value
    }
}
