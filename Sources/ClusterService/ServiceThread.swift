import Atomics
import Locking
import Networking

/// A background loop that can be woken and stopped from other threads: the membership thread of the
/// endpoint and a data node's registrar. The loop polls `wake.readFD` (with its other descriptors)
/// and ends when `isStopping`.
final class ServiceThread: Sendable {
    let wake: WakeSignal
    private let stopping = ManagedAtomic<Bool>(false)
    /// Only touched by `start` and `stop`, on the thread that owns the service.
    nonisolated(unsafe) private var thread: PosixThread?

    init() throws {
        wake = try WakeSignal()
    }

    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    func start(name: String, _ body: @escaping () -> Void) throws {
        thread = try PosixThread(name: name, body)
    }

    /// Asks the loop to end, wakes it, and waits for it.
    func stop() {
        stopping.store(true, ordering: .releasing)
        wake.notify()
        thread?.join()
        thread = nil
    }
}
