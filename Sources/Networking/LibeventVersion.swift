import CLibevent

/// The libevent the server runs on, as `stats` reports it (`STAT libevent 2.1.12-stable`).
public var libeventVersion: String {
    String(cString: event_get_version())
}
