#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A joinable pthread running one closure. Foundation's `Thread` cannot be joined, and shutdown must
/// wait for every worker to have closed its connections.
public final class PosixThread {
    private var handle: pthread_t? = nil

    /// Starts `body` on a new thread; `name` is for diagnostics.
    public init(name: String, _ body: @escaping () -> Void) throws {
        let box = Unmanaged.passRetained(ThreadBody(name: name, body: body))
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            let box = Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue()
            box.run()
            return nil
        }, box.toOpaque())
        guard result == 0 else {
            box.release()
            throw ServerError.system("pthread_create", result)
        }
        handle = thread
    }

    /// Waits for the thread to finish.
    public func join() {
        guard let thread = handle else { return }
        pthread_join(thread, nil)
        handle = nil
    }
}

private final class ThreadBody {
    let name: String
    let body: () -> Void

    init(name: String, body: @escaping () -> Void) {
        self.name = name
        self.body = body
    }

    func run() {
        body()
    }
}
