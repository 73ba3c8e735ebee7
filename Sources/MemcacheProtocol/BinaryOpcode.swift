/// The binary-protocol commands memcached 1.6.18 implements (`protocol_binary.h`). Anything else,
/// including the range commands and verbosity (0x1b), is answered "Unknown command" as memcached does.
public enum BinaryOpcode: UInt8, Sendable {
    case get = 0x00, set = 0x01, add = 0x02, replace = 0x03, delete = 0x04
    case increment = 0x05, decrement = 0x06, quit = 0x07, flush = 0x08, getq = 0x09
    case noop = 0x0a, version = 0x0b, getk = 0x0c, getkq = 0x0d, append = 0x0e, prepend = 0x0f
    case stat = 0x10, setq = 0x11, addq = 0x12, replaceq = 0x13, deleteq = 0x14
    case incrementq = 0x15, decrementq = 0x16, quitq = 0x17, flushq = 0x18, appendq = 0x19, prependq = 0x1a
    case touch = 0x1c, gat = 0x1d, gatq = 0x1e
    case saslListMechanisms = 0x20, saslAuth = 0x21, saslStep = 0x22
    case gatk = 0x23, gatkq = 0x24

    /// The loud form of a quiet command, and whether it was quiet (memcached folds `…Q` onto the
    /// plain command and only suppresses the success answer).
    @inlinable
    public var loud: (command: BinaryOpcode, quiet: Bool) {
        switch self {
        case .getq: return (.get, true)
        case .getkq: return (.getk, true)
        case .setq: return (.set, true)
        case .addq: return (.add, true)
        case .replaceq: return (.replace, true)
        case .deleteq: return (.delete, true)
        case .incrementq: return (.increment, true)
        case .decrementq: return (.decrement, true)
        case .quitq: return (.quit, true)
        case .flushq: return (.flush, true)
        case .appendq: return (.append, true)
        case .prependq: return (.prepend, true)
        case .gatq: return (.gat, true)
        case .gatkq: return (.gatk, true)
        default: return (self, false)
        }
    }
}
