/// The eviction policy an engine runs, chosen once at start-up. `run` is the one place that
/// dispatches on it: a closed switch whose every arm calls the action specialised for one concrete
/// policy, so the engine's calls into the policy are static (and inlined) on the get and set paths.
///
/// Registering a policy: its case here, beside the others, with its arm in `run` and in `init`.
/// `sketch` runs any other conformer without registration (tests, experiments), through an
/// existential: slower, and not reachable from the command line.
enum InstalledStrategy {
    case s3fifo(S3FIFOStrategy)
    case lru(LRUStrategy)
    case segmented(SegmentedLRUStrategy)
    case sketch(any EvictionStrategy)

    /// The policy `-o eviction_policy` names.
    init(_ configuration: EngineConfiguration) {
        switch configuration.evictionPolicy {
        case .s3fifo: self = .s3fifo(S3FIFOStrategy(memoryLimit: configuration.memoryLimit))
        case .lru: self = .lru(LRUStrategy())
        case .segmented: self = .segmented(SegmentedLRUStrategy(maintained: configuration.segmentedLRU.maintainer))
        }
    }

    @inline(__always)
    func run<Action: StrategyAction>(_ action: Action) -> Action.Result {
        switch self {
        case .s3fifo(let strategy): return action.with(strategy)
        case .lru(let strategy): return action.with(strategy)
        case .segmented(let strategy): return action.with(strategy)
        case .sketch(let strategy): return action.with(strategy)
        }
    }
}

/// Something the engine asks of its policy, written once for every policy: `with` is generic, and
/// `InstalledStrategy.run` calls it with the concrete one.
protocol StrategyAction {
    associatedtype Result
    func with<Strategy: EvictionStrategy>(_ strategy: Strategy) -> Result
}
