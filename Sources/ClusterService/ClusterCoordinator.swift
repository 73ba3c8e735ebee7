import Cluster
import Networking
import Locking
#if canImport(Glibc)
import Glibc
#endif

/// The endpoint's membership thread. Owns the `Membership` (behind `state`), runs a probe round every
/// `settings.interval`, re-reads the cluster file when it changes (checked each second) or on SIGHUP,
/// and publishes a new snapshot — persisted first — whenever the list changes.
///
/// Sessions on the worker threads call `register`, `deregister` and `setByOperator`; those only
/// change the sources under the mutex and wake the thread, which probes the new nodes at once (an
/// extra round limited to never-probed nodes, so hysteresis still counts whole intervals).
///
/// Lock order: `state` → `published`'s mutex. Probing happens with no lock held.
public final class ClusterCoordinator: Sendable {
    struct State: ~Copyable {
        var membership: Membership
        var clusterFile: ClusterFile?
    }

    public let published = PublishedConfig()
    private let state: Locked<State>
    private let stateFile: StateFile
    private let settings: ProbeSettings
    private let log: @Sendable (String) -> Void
    private let service: ServiceThread
    private let hangup: WakeSignal

    /// Loads the persisted state and the cluster file; either being unreadable or malformed is a
    /// startup error (the endpoint must not start from a list or version it cannot trust).
    public init(settings: ProbeSettings, clusterFilePath: String?, stateFilePath: String,
                log: @escaping @Sendable (String) -> Void) throws {
        self.settings = settings
        self.log = log
        stateFile = StateFile(path: stateFilePath)
        let stored = try stateFile.load()
        var membership = Membership(version: stored.payload.version, published: stored.payload.nodes, settings: settings)
        var clusterFile = clusterFilePath.map { ClusterFile(path: $0) }
        if clusterFile != nil { membership.setStaticNodes(try clusterFile!.load()) }
        state = Locked(State(membership: membership, clusterFile: clusterFile))
        if stored.payload.version > 0 { published.offer(stored.payload) }
        service = try ServiceThread()
        hangup = try WakeSignal()
    }

    /// Runs the first probe round (so the first client already gets a checked list), then starts
    /// the thread and the SIGHUP handler.
    public func start() throws {
        runRound(onlyUnprobed: false)
        HangupSignal.install(hangup)
        try service.start(name: "cluster") { [self] in loop() }
    }

    public func stop() {
        service.stop()
    }

    // MARK: Called by sessions (worker threads)

    public func register(_ node: ClusterNode, leaseSeconds: Double) throws {
        try state.withLock { try $0.membership.register(node, leaseSeconds: leaseSeconds, now: monotonicNow()) }
        service.wake.notify()
    }

    public func deregister(_ node: ClusterNode) -> Bool {
        let removed = state.withLock { $0.membership.deregister(node) }
        if removed { service.wake.notify() }
        return removed
    }

    public func setByOperator(_ payload: ConfigPayload) {
        state.withLock { $0.membership.setByOperator(payload) }
        service.wake.notify()
    }

    /// Nodes being tracked (listed or not), for `stats`.
    public var candidateCount: Int { state.withLock { $0.membership.candidates.count } }

    // MARK: The thread

    private func loop() {
        var nextRound = monotonicNow() + settings.interval
        var nextFileCheck = monotonicNow() + 1
        while !service.isStopping {
            let wait = max(0, min(nextRound, nextFileCheck) - monotonicNow())
            var pollers = [pollfd(fd: service.wake.readFD, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: hangup.readFD, events: Int16(POLLIN), revents: 0)]
            _ = poll(&pollers, 2, Int32(wait * 1000) + 1)
            if pollers[1].revents != 0 {
                hangup.clear()
                reloadClusterFile(reason: "SIGHUP")
                runRound(onlyUnprobed: true)
            }
            if pollers[0].revents != 0 {
                service.wake.clear()
                runRound(onlyUnprobed: true)
            }
            if monotonicNow() >= nextFileCheck {
                nextFileCheck = monotonicNow() + 1
                if state.withLock({ $0.clusterFile?.hasChanged() ?? false }) {
                    reloadClusterFile(reason: "changed")
                    runRound(onlyUnprobed: true)
                }
            }
            if monotonicNow() >= nextRound {
                runRound(onlyUnprobed: false)
                nextRound = monotonicNow() + settings.interval
            }
        }
    }

    /// A malformed file is reported and ignored: the static list (and so the version) stays.
    private func reloadClusterFile(reason: String) {
        state.withLock { state in
            guard state.clusterFile != nil else { return }
            do {
                state.membership.setStaticNodes(try state.clusterFile!.load())
                log("cluster file reloaded (\(reason))")
            } catch {
                log("cluster file \(state.clusterFile!.path) rejected, keeping the current list: \(error)")
            }
        }
    }

    /// Probes (all candidates, or only those never probed), then publishes if the list changed.
    private func runRound(onlyUnprobed: Bool) {
        let targets = state.withLock { state in
            state.membership.expireLeases(now: monotonicNow())
            return onlyUnprobed ? state.membership.unprobedCandidates : state.membership.candidates
        }
        let results = NodeProber.probe(targets, timeout: settings.timeout)
        state.withLock { state in
            state.membership.recordProbes(results, now: monotonicNow())
            guard let payload = state.membership.publish() else { return }
            do {
                try stateFile.save(PersistedState(payload: payload))
            } catch {
                log("\(error) — serving version \(payload.version) anyway")
            }
            published.offer(payload)
            log("cluster version \(payload.version): \(payload.nodes.map(\.entry).joined(separator: " "))")
        }
    }
}
