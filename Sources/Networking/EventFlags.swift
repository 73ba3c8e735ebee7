import CLibevent

/// libevent's event flags as the `short` its functions take (the C macros import as `Int32`).
enum EventFlags {
    static let timeout = Int16(EV_TIMEOUT)
    static let read = Int16(EV_READ)
    static let write = Int16(EV_WRITE)
    static let signal = Int16(EV_SIGNAL)
    static let persist = Int16(EV_PERSIST)
}
