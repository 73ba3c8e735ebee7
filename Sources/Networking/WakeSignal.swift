#if canImport(Glibc)
import Glibc
import CLibevent
#elseif canImport(Darwin)
import Darwin
#endif

/// A descriptor another thread can make readable to wake an event loop: an eventfd on Linux, a pipe
/// elsewhere. `notify` may be called from any thread; `clear` only by the thread whose loop watches it.
public final class WakeSignal: @unchecked Sendable {
    /// Watched with EV_READ by the event_base to wake.
    public let readFD: Int32
    private let writeFD: Int32

    public init() throws {
        #if os(Linux)
        let fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard fd >= 0 else { throw ServerError.system("eventfd", errno) }
        readFD = fd
        writeFD = fd
        #else
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ServerError.system("pipe", errno) }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        readFD = fds[0]
        writeFD = fds[1]
        #endif
    }

    deinit {
        close(readFD)
        if writeFD != readFD { close(writeFD) }
    }

    public func notify() {
        var one: UInt64 = 1
        // EAGAIN means a wake-up is already pending, which is all that is needed.
        _ = withUnsafeBytes(of: &one) { write(writeFD, $0.baseAddress, Self.tokenSize) }
    }

    /// Consumes pending wake-ups so a level-triggered loop does not fire again for them.
    public func clear() {
        var sink: UInt64 = 0
        while withUnsafeMutableBytes(of: &sink, { read(readFD, $0.baseAddress, Self.tokenSize) }) > 0 {
            if Self.tokenSize == 8 { return }  // one eventfd read resets its counter
        }
    }

    /// An eventfd is read and written 8 bytes at a time; a pipe byte by byte.
    private static var tokenSize: Int {
        #if os(Linux)
        return 8
        #else
        return 1
        #endif
    }
}
