/// The fixed parts of meta-command replies, spelled as memcached 1.6.18 spells them. Status codes
/// come without a line end: flags follow them on the same line.
public enum MetaResponse {
    /// Hit with a value: `VA <length> <flags>*`.
    public static let value: StaticString = "VA "
    /// Success without a value (stored, deleted, found).
    public static let done: StaticString = "HD"
    /// mg miss.
    public static let miss: StaticString = "EN"
    public static let notStored: StaticString = "NS"
    public static let exists: StaticString = "EX"
    public static let notFound: StaticString = "NF"
    /// me hit: `ME <key> exp=… la=… cas=… fetch=… cls=… size=…`.
    public static let debugPrefix: StaticString = "ME "

    public static let badCommandLineFormat: StaticString = "CLIENT_ERROR bad command line format\r\n"
    public static let duplicateFlag: StaticString = "CLIENT_ERROR duplicate flag\r\n"
    public static let invalidFlag: StaticString = "CLIENT_ERROR invalid flag\r\n"
    public static let errorDecodingKey: StaticString = "CLIENT_ERROR error decoding key\r\n"
    public static let badToken: StaticString = "CLIENT_ERROR bad token in command line format\r\n"
    public static let incorrectModeLength: StaticString = "CLIENT_ERROR incorrect length for M token\r\n"
    public static let invalidInitial: StaticString = "CLIENT_ERROR invalid numeric initial value\r\n"
    public static let invalidDelta: StaticString = "CLIENT_ERROR invalid numeric delta value\r\n"
    /// md and ma report every flag-parsing failure with this one message.
    public static let invalidOrDuplicateFlag: StaticString = "CLIENT_ERROR invalid or duplicate flag\r\n"
    /// mg says "are too long", ms / md / ma say "too long".
    public static let getFlagsTooLong: StaticString = "CLIENT_ERROR options flags are too long\r\n"
    public static let flagsTooLong: StaticString = "CLIENT_ERROR options flags too long\r\n"
    public static let opaqueTooLong: StaticString = "CLIENT_ERROR opaque token too long\r\n"
    public static let invalidSetMode: StaticString = "CLIENT_ERROR invalid mode for ms M token\r\n"
    public static let invalidArithmeticMode: StaticString = "CLIENT_ERROR invalid mode for ma M token\r\n"
    public static let vivifyOutOfMemory: StaticString = "SERVER_ERROR Out of memory allocating new item\r\n"

    /// memcached refuses a meta line of this many words or more (its token count, with the
    /// terminal token, above MFLAG_MAX_OPT_LENGTH = 20).
    public static let maxWords = 20
    /// Opaque tokens (O and its argument) longer than this are refused.
    public static let maxOpaqueLength = 32
}
