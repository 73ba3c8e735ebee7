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
        /// Probe rounds in which some probes could not run; `incompleteStreak` is the current run
        /// of them, so the warning is logged when one starts and when it ends, not every round.
        var incompleteRounds = 0
        var incompleteStreak = 0
    }

    public let published = PublishedConfig()
    private let state: Locked<State>
    private let stateFile: StateFile
    private let settings: ProbeSettings
    private let log: @Sendable (String) -> Void
    private let warn: @Sendable (String) -> Void
    private let probe: Probe
    private let service: ServiceThread
    private let hangup: WakeSignal
    /// What else SIGHUP reloads (the endpoint's allowlist file), run on this thread.
    private let onHangup: (@Sendable () -> Void)?

    /// Probes a list of nodes; the default is `NodeProber` with the settings' timeout and window.
    public typealias Probe = @Sendable ([ClusterNode]) -> [ClusterNode: ProbeOutcome]

    /// Loads the persisted state and the cluster file. A corrupt state file is set aside (renamed,
    /// reported through `warn`) and the endpoint starts from the cluster file, so it cannot crash at
    /// every start; an unreadable state file or a malformed cluster file is a startup error.
    /// `warn` is for what an operator must see even without `-v`. `probeTLS`: the default probes
    /// speak TLS with it (nodes started with `-Z`).
    public init(settings: ProbeSettings, clusterFilePath: String?, stateFilePath: String,
                log: @escaping @Sendable (String) -> Void, warn: (@Sendable (String) -> Void)? = nil,
                probe: Probe? = nil, probeTLS: TLSClientContext? = nil, onHangup: (@Sendable () -> Void)? = nil) throws {
        self.settings = settings
        self.onHangup = onHangup
        self.log = log
        self.warn = warn ?? log
        self.probe = probe ?? { nodes in
            NodeProber.probe(nodes, timeout: settings.timeout,
                             window: settings.probeWindow(descriptorLimit: NodeProber.descriptorLimit()), tls: probeTLS)
        }
        stateFile = StateFile(path: stateFilePath)
        let (stored, setAside) = try stateFile.loadOrSetAside()
        if let setAside { self.warn(setAside) }
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

    /// Throws `ClusterInputError.versionTooFarAhead` for a version beyond the allowed step.
    public func setByOperator(_ payload: ConfigPayload) throws {
        try state.withLock { try $0.membership.setByOperator(payload) }
        service.wake.notify()
    }

    /// The figures `stats` reports beyond the published payload.
    public struct Counters: Equatable, Sendable {
        public var candidates: Int
        public var registered: Int
        public var inconclusiveProbes: Int
        public var incompleteRounds: Int
        public var versionExhaustedChanges: Int
    }

    public var counters: Counters {
        state.withLock { state in
            Counters(candidates: state.membership.candidates.count,
                     registered: state.membership.registeredCount,
                     inconclusiveProbes: state.membership.inconclusiveProbes,
                     incompleteRounds: state.incompleteRounds,
                     versionExhaustedChanges: state.membership.versionExhaustedChanges)
        }
    }

    /// One known node as the cluster view shows it: listed or not, and what its probes say.
    public struct Standing: Sendable, Equatable {
        public var node: ClusterNode
        public var listed: Bool
        public var health: NodeHealth.Status
    }

    /// Every node the endpoint knows now — candidates (static list and registrations) and listed
    /// nodes — sorted as clients see them.
    public var standings: [Standing] {
        state.withLock { state in
            let listed = Set(state.membership.published)
            let known = Set(state.membership.candidates).union(listed)
            return known.sorted().map {
                Standing(node: $0, listed: listed.contains($0), health: state.membership.status(of: $0))
            }
        }
    }

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
                onHangup?()
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
        let results = probe(targets)
        state.withLock { state in
            noteIncompleteProbes(results.values.count(where: { $0 == .inconclusive }), of: results.count, in: &state)
            state.membership.recordProbes(results, now: monotonicNow())
            let exhaustedBefore = state.membership.versionExhaustedChanges
            guard let payload = state.membership.publish(now: monotonicNow()) else {
                if state.membership.versionExhaustedChanges > exhaustedBefore, exhaustedBefore == 0 {
                    warn("cluster version is at its maximum \(ClusterVersion.maximum); list changes are no longer published (stats cluster_version_exhausted)")
                }
                return
            }
            do {
                try stateFile.save(PersistedState(payload: payload))
            } catch {
                warn("\(error) — serving version \(payload.version) anyway")
            }
            published.offer(payload)
            log("cluster version \(payload.version): \(payload.nodes.map(\.entry).joined(separator: " "))")
        }
    }

    /// Counts a round whose probes could not all run, and warns when such a run of rounds starts
    /// and ends: the nodes concerned keep their status meanwhile.
    private func noteIncompleteProbes(_ inconclusive: Int, of total: Int, in state: inout State) {
        if inconclusive > 0 {
            state.incompleteRounds += 1
            state.incompleteStreak += 1
            if state.incompleteStreak == 1 {
                warn("\(inconclusive) of \(total) probes could not run (out of descriptors or buffers?); those nodes keep their status and the list is kept")
            }
        } else if total > 0, state.incompleteStreak > 0 {  // a round with nothing to probe proves nothing
            warn("probes run again after \(state.incompleteStreak) incomplete rounds")
            state.incompleteStreak = 0
        }
    }
}
