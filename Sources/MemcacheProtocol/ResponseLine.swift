/// Every fixed response line this server sends, spelled byte for byte as memcached 1.6.18 does
/// (`\r\n` included).
public enum ResponseLine {
    public static let stored: StaticString = "STORED\r\n"
    public static let notStored: StaticString = "NOT_STORED\r\n"
    public static let exists: StaticString = "EXISTS\r\n"
    public static let notFound: StaticString = "NOT_FOUND\r\n"
    public static let deleted: StaticString = "DELETED\r\n"
    public static let touched: StaticString = "TOUCHED\r\n"
    public static let ok: StaticString = "OK\r\n"
    public static let end: StaticString = "END\r\n"
    public static let reset: StaticString = "RESET\r\n"
    public static let metaNoOp: StaticString = "MN\r\n"
    public static let error: StaticString = "ERROR\r\n"
    /// To a client refused at accept for going past `-c`, before the server closes it.
    public static let tooManyConnections: StaticString = "ERROR Too many open connections\r\n"

    public static let reassignBusy: StaticString = "BUSY currently processing reassign request\r\n"
    public static let reassignBadClass: StaticString = "BADCLASS invalid src or dst class id\r\n"
    public static let reassignNoSpare: StaticString = "NOSPARE source class has no spare pages\r\n"
    public static let reassignSameClass: StaticString = "SAME src and dst class are identical\r\n"
    public static let lruPercentsTooHigh: StaticString = "ERROR hot and warm pcts must not exceed 80\r\n"
    public static let lruFactorsNotPositive: StaticString = "ERROR hot/warm age factors must be greater than 0\r\n"

    public static let crawlerBusy: StaticString = "BUSY currently processing crawler request\r\n"
    public static let crawlerBadClass: StaticString = "BADCLASS invalid class id\r\n"
    public static let crawlerNotStarted: StaticString = "NOTSTARTED no items to crawl\r\n"
    public static let crawlerUnknownError: StaticString = "ERROR an unknown error happened\r\n"
    public static let crawlerDisabled: StaticString = "CLIENT_ERROR lru crawler disabled\r\n"
    public static let metadumpNotAllowed: StaticString = "ERROR metadump not allowed\r\n"
    public static let illegalSlabID: StaticString = "CLIENT_ERROR Illegal slab id\r\n"
    /// `ITEM <key> [<bytes> b; <exptime> s]` of `stats cachedump`, in pieces.
    public static let cachedumpItemPrefix: StaticString = "ITEM "
    public static let cachedumpSizeOpen: StaticString = " ["
    public static let cachedumpSizeToTime: StaticString = " b; "
    public static let cachedumpLineEnd: StaticString = " s]\r\n"
    public static let crawlerStartFailed: StaticString = "ERROR failed to start lru crawler thread\r\n"
    public static let crawlerSleepTooLong: StaticString = "CLIENT_ERROR sleep must be one second or less\r\n"
    public static let metadumpPipelined: StaticString = "ERROR cannot pipeline other commands before metadump\r\n"

    public static let badCommandLineFormat: StaticString = "CLIENT_ERROR bad command line format\r\n"
    public static let badDataChunk: StaticString = "CLIENT_ERROR bad data chunk\r\n"
    public static let invalidExptime: StaticString = "CLIENT_ERROR invalid exptime argument\r\n"
    public static let invalidDelta: StaticString = "CLIENT_ERROR invalid numeric delta argument\r\n"
    public static let nonNumericValue: StaticString = "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"
    /// Two spaces after the period, as memcached has it.
    public static let deleteUsage: StaticString = "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n"
    public static let statsDetailUsage: StaticString = "CLIENT_ERROR usage: stats detail on|off|dump\r\n"
    public static let cachedumpNotAllowed: StaticString = "CLIENT_ERROR stats cachedump not allowed\r\n"
    /// `stats` with no words at all cannot happen on a line, kept for completeness.
    public static let badCommandLine: StaticString = "CLIENT_ERROR bad command line\r\n"

    public static let objectTooLarge: StaticString = "SERVER_ERROR object too large for cache\r\n"
    public static let outOfMemoryStoring: StaticString = "SERVER_ERROR out of memory storing object\r\n"
    /// incr/decr could not allocate the new value.
    public static let outOfMemory: StaticString = "SERVER_ERROR out of memory\r\n"
    public static let outOfMemoryWritingGet: StaticString = "SERVER_ERROR out of memory writing get response\r\n"

    /// memcached started without `-A`; note the colon: it is not a plain `ERROR`.
    public static let shutdownNotEnabled: StaticString = "ERROR: shutdown not enabled\r\n"

    public static let versionPrefix: StaticString = "VERSION "
    public static let valuePrefix: StaticString = "VALUE "
    public static let statPrefix: StaticString = "STAT "
    public static let lineEnd: StaticString = "\r\n"
}
