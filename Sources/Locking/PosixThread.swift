#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A joinable pthread running one closure: the only place threads are created, for the engine's
/// background threads, the network workers and the cluster service's loops. Foundation's `Thread`
/// cannot be joined, and shutdown must wait for every thread to have finished.
public final class PosixThread {
    private var handle: pthread_t?

    /// Starts `body` on a new thread; `name` says which thread could not start, should it fail.
    public init(name: String, _ body: @escaping () -> Void) throws(ThreadStartError) {
        let box = Unmanaged.passRetained(ThreadBody(body))
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            let box = Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue()
            box.body()
            return nil
        }, box.toOpaque())
        guard result == 0 else {
            box.release()
            throw ThreadStartError(thread: name, code: result)
        }
        handle = thread
    }

    /// Waits for the thread to finish. Call from one thread only, never from the thread itself.
    public func join() {
        guard let thread = handle else { return }
        let result = pthread_join(thread, nil)
        precondition(result == 0, "pthread_join failed")
        handle = nil
    }
}

/// `pthread_create` failed; `code` is what it returned (EAGAIN: out of threads or memory).
public struct ThreadStartError: Error, CustomStringConvertible {
    public let thread: String
    public let code: Int32

    public var description: String { "pthread_create (\(thread)): \(String(cString: strerror(code)))" }
}

/// The closure, as one reference that can cross `pthread_create`'s context pointer.
private final class ThreadBody {
    let body: () -> Void

    init(_ body: @escaping () -> Void) { self.body = body }
}
