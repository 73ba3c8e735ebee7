import MemcacheProtocol
import OutputBuffers
import RequestHandling

/// What a connection feeds its bytes to. `TextSession` is the real one; the protocol exists so the
/// network layer can be exercised without a cache engine (tests use a small echo session).
public protocol ConnectionSession: AnyObject {
    func process(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer, requestLimit: Int) -> SessionProgress
    func close()
    /// The connection's socket, for what the session reports about it (`watch` lines' `cfd=`).
    func attach(descriptor: Int32)
    /// Once `process` reported `startsWatching`: the log lines this connection now receives.
    var watchFeed: LogWatcher? { get }
}

extension ConnectionSession {
    public func attach(descriptor: Int32) {}
    public var watchFeed: LogWatcher? { nil }
}

extension TextSession: ConnectionSession {}
extension BinarySession: ConnectionSession {}
extension AsciiAuthSession: ConnectionSession {}
