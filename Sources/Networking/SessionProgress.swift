/// What one call to a session's `process` did with the bytes it was given: all a connection needs
/// to know of the protocol above it.
public struct SessionProgress: Sendable, Equatable {
    /// Input bytes fully handled; the caller drops them and keeps the rest for later.
    public var consumed: Int
    /// Requests whose first part (a command line; binary: header, extras and key) had arrived whole
    /// and was run. memcached restarts a connection's idle clock at each (`last_cmd_time`); the
    /// network layer does the same with this count, without knowing any protocol syntax.
    public var commands: Int
    /// The connection must be closed once `output` is flushed (quit, or input memcached closes on).
    public var shouldClose: Bool
    /// `requestLimit` was reached with complete requests still in the input.
    public var yielded: Bool
    /// The connection now only sends the session's `outputFeed` (a `watch` connection): its input
    /// is ignored from here on.
    public var startsFeed: Bool

    public init(consumed: Int, commands: Int, shouldClose: Bool, yielded: Bool, startsFeed: Bool = false) {
        self.consumed = consumed
        self.commands = commands
        self.shouldClose = shouldClose
        self.yielded = yielded
        self.startsFeed = startsFeed
    }
}
