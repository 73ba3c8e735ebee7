import AccessControl
import Atomics
import CLibevent
import Locking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One worker thread with its own event_base. Owns its connections outright: they are created,
/// served and closed only on this thread, so none of their state is locked. The listener (and another
/// worker asking for `stats conns`) reaches a worker only through its `HandoffQueue`.
final class Worker {
    let index: Int
    private(set) var limits: ConnectionLimits
    let log: ServerLog
    /// This thread's counters (bytes, connections, yields); written only here.
    let counters: NetworkCounters
    /// Seconds on a monotonic clock, refreshed by the timeout sweep; stamps connection activity.
    private(set) var now: Int

    let queue: HandoffQueue
    private let base: OpaquePointer
    private var wakeEvent: OpaquePointer?
    private let makeSession: (ConnectionInfo) -> ConnectionSession
    /// Open connections shared with the listener, which enforces `-c` with it; we decrement on close.
    private let openConnections: ManagedAtomic<Int>
    private var connections: [Int32: Connection] = [:]
    /// The connection whose requests are being served right now (-1: none), so that `stats conns`
    /// can tell the connection that asked.
    var servingDescriptor: Int32 = -1
    private var handoffBatch: [Handoff] = []
    private var thread: PosixThread?
    /// This worker's reading of the server's UDP sockets (`-U`); see `DatagramEndpoint`.
    private var datagramEndpoints: [DatagramEndpoint] = []
    /// The read and response buffers this worker's connections borrow while busy.
    let buffers: BufferPool
    /// Scratch for gathering a connection's output into one `sendmsg` (connections of this thread
    /// use it one at a time).
    let ioVectors = UnsafeMutableBufferPointer<iovec>.allocate(capacity: Worker.ioVectorLimit)
    /// Pieces per `sendmsg`: well under IOV_MAX (1024), enough to send a pipelined batch at once.
    static let ioVectorLimit = 256
    /// With `-Z`: the context each TLS connection's state is made from, and the staging area their
    /// gathered output is copied into for `SSL_write` (`ssl_wbuf_size` bytes).
    private let tls: TLSServerContext?
    private let tlsScratch: UnsafeMutableRawBufferPointer?
    /// Told of each connection opened and closed (`connevents`); nil: nobody listens.
    private let observer: ConnectionObserver?

    init(index: Int, limits: ConnectionLimits, log: ServerLog, counters: NetworkCounters, bufferMemory: BufferMemory,
         openConnections: ManagedAtomic<Int>, tls: TLSServerContext? = nil, observer: ConnectionObserver? = nil,
         makeSession: @escaping (ConnectionInfo) -> ConnectionSession) throws {
        self.observer = observer
        self.index = index
        buffers = BufferPool(blockSize: limits.bufferSize, memory: bufferMemory)
        self.limits = limits
        self.log = log
        self.counters = counters
        self.openConnections = openConnections
        self.makeSession = makeSession
        self.tls = tls
        tlsScratch = tls.map { UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, $0.settings.writeBufferSize), alignment: 16) }
        queue = try HandoffQueue()
        guard let base = event_base_new() else { throw ServerError.system("event_base_new", errno) }
        self.base = base
        now = monotonicSeconds()
        handoffBatch.reserveCapacity(64)
    }

    deinit {
        ioVectors.deallocate()
        tlsScratch?.deallocate()
        if let wakeEvent { event_free(wakeEvent) }
        event_base_free(base)
    }

    /// Also serves UDP requests from these sockets; call before `start`.
    func serveDatagrams(on sockets: [Int32], responder: DatagramResponder, allowlist: SharedAllowlist?) throws {
        for fd in sockets {
            let endpoint = DatagramEndpoint(fd: fd, responder: responder, counters: counters, allowlist: allowlist)
            guard endpoint.register(on: base) else { throw ServerError.system("event_add (udp)", errno) }
            datagramEndpoints.append(endpoint)
        }
    }

    /// Registers the wake-up (hand-offs, including the listener's once-a-second sweep) and starts the
    /// thread running the event loop.
    func start() throws {
        let context = Unmanaged.passUnretained(self).toOpaque()
        wakeEvent = event_new(base, queue.wakeSignal.readFD, EventFlags.read | EventFlags.persist, { _, _, context in
            Unmanaged<Worker>.fromOpaque(context!).takeUnretainedValue().takeHandoffs()
        }, context)
        guard let wakeEvent, event_add(wakeEvent, nil) == 0 else { throw ServerError.system("event_add", errno) }
        let base = self.base
        thread = try PosixThread(name: "worker-\(index)") {
            event_base_dispatch(base)
        }
    }

    /// Asks the thread to close its connections and stop, then waits for it.
    func stopAndJoin() {
        queue.push(.stop)
        thread?.join()
        thread = nil
    }

    // MARK: On the worker thread

    private func takeHandoffs() {
        queue.drain(into: &handoffBatch)
        for handoff in handoffBatch {
            switch handoff {
            case let .connection(fd, isUnixSocket, tls):
                adopt(fd: fd, isUnixSocket: isUnixSocket, tls: tls)
            case .stop:
                closeAll()
                event_base_loopbreak(base)
            case .sweep:
                sweepConnections()
            case .describeConnections:
                answerSnapshotRequests()
            case .feedOutput(let fd):
                connections[fd]?.drainFeed()
            }
        }
        handoffBatch.removeAll(keepingCapacity: true)
    }

    private func adopt(fd: Int32, isUnixSocket: Bool, tls: Bool) {
        counters.add(.connectionsOpened)
        guard let transport = makeTransport(fd: fd, tls: tls) else {
            log.warning("<\(fd) could not create TLS state, closing")
            counters.add(.connectionsClosed)
            openConnections.wrappingDecrement(ordering: .relaxed)
            closeDescriptor(fd)
            return
        }
        let info = ConnectionInfo(descriptor: fd, listener: isUnixSocket ? .unix : .tcp, isTLS: tls)
        let connection = Connection(info: info, worker: self, transport: transport, session: makeSession(info))
        connections[fd] = connection
        observer?.connectionOpened(info)
        log.connection("<\(fd) new ascii client connection.")
        if !connection.register(on: base) {
            log.warning("<\(fd) could not register events, closing")
            connection.close()
        }
    }

    /// The clear transport, or a TLS channel from the server's context (nil only when OpenSSL fails).
    private func makeTransport(fd: Int32, tls secure: Bool) -> Transport? {
        guard secure, let tls, let tlsScratch else { return .clear }
        return TLSChannel(fd: fd, context: tls, counters: counters, scratch: tlsScratch).map { .tls($0) }
    }

    /// Called by a connection as it starts closing, while its socket still names its peer.
    func connectionClosing(_ info: ConnectionInfo, reason: ConnectionCloseReason) {
        observer?.connectionClosing(info, reason: reason)
    }

    /// Called by a connection as it closes.
    func connectionDidClose(_ connection: Connection) {
        connections[connection.fd] = nil
        counters.add(.connectionsClosed)
        openConnections.wrappingDecrement(ordering: .relaxed)
        log.connection("<\(connection.fd) connection closed.")
    }

    /// Once a second: closes timed-out connections (counted as `idle_kicks` either way, see
    /// `Connection.hasTimedOut`) and takes back the buffers of the others that have nothing pending,
    /// so a connection holds buffer memory only while it is busy, at the cost of one pool round
    /// trip a second for a busy one instead of one per request.
    private func sweepConnections() {
        now = monotonicSeconds()
        limits.refresh()
        let timedOut = connections.values.filter { $0.hasTimedOut(at: now) }
        for connection in timedOut {
            log.connection("<\(connection.fd) idle timeout, closing")
            counters.add(.idleKicks)
            connection.close(reason: .idleTimeout)
        }
        for connection in connections.values { connection.returnIdleBuffers() }
    }

    /// Gatherings other workers' `stats conns` left for this one (see `ConnectionSnapshot`).
    let snapshotRequests = Locked<[ConnectionSnapshot]>([])

    /// On this worker's thread: adds its connections to every gathering waiting for them.
    func answerSnapshotRequests() {
        let requests = snapshotRequests.withLock { requests in
            defer { requests.removeAll() }
            return requests
        }
        guard !requests.isEmpty else { return }
        let descriptions = describeConnections()
        for request in requests { request.add(descriptions) }
    }

    /// `stats conns`: this worker's connections, described on its own thread.
    func describeConnections() -> [ConnectionDescription] {
        connections.values.map { $0.describe(at: now, serving: $0.fd == servingDescriptor) }
    }

    private func closeAll() {
        for endpoint in datagramEndpoints { endpoint.close() }
        for connection in Array(connections.values) { connection.close(reason: .shutdown) }
    }
}

/// Whole seconds of CLOCK_MONOTONIC: idle time must not jump with the wall clock.
func monotonicSeconds() -> Int {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int(spec.tv_sec)
}

/// CLOCK_MONOTONIC in seconds with their fraction, for waits shorter than a second.
func monotonicTime() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}
