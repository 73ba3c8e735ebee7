import CacheEngine
import MemcacheProtocol

/// What `TextSession.process` did with the bytes it was given.
public struct SessionProgress: Sendable, Equatable {
    /// Input bytes fully handled; the caller drops them and keeps the rest for later.
    public var consumed: Int
    /// The connection must be closed once `output` is flushed (quit, or input memcached closes on).
    public var shouldClose: Bool
    /// `requestLimit` was reached with complete requests still in the input.
    public var yielded: Bool

    public init(consumed: Int, shouldClose: Bool, yielded: Bool) {
        self.consumed = consumed
        self.shouldClose = shouldClose
        self.yielded = yielded
    }
}

/// The text protocol state of one connection: parses requests from raw bytes, runs them against the
/// engine and appends the responses. Knows nothing of sockets: the network layer feeds it bytes.
public final class TextSession {
    public init(context: WorkerContext) {
        fatalError("unimplemented")
    }

    /// Handles as many complete requests in `input` as possible (at most `requestLimit`), appending
    /// responses to `output`. Incomplete trailing bytes are left unconsumed; call again with them
    /// plus whatever arrives next.
    public func process(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer, requestLimit: Int) -> SessionProgress {
        fatalError("unimplemented")
    }

    /// The connection is gone: give back anything held (a half-received item).
    public func close() {}
}
