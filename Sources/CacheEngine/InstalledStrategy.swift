/// The eviction policy an engine runs, chosen once at start-up. `run` is the one place that
/// dispatches on it: a closed switch whose every arm calls the action specialised for one concrete
/// policy, so the engine's calls into the policy are static (and inlined) on the get and set paths.
///
/// Registering a policy: its case here, beside the others, with its arm in `run` and in `init`.
/// `sketch` runs any other conformer without registration (tests, experiments), through an
/// existential: slower, and not reachable from the command line.
///
/// Every payload is trivially copyable (the policies hold no class references; a sketch's box is
/// unmanaged, released by `destroy`), so reading and switching on the engine's copy costs no
/// reference counting.
enum InstalledStrategy {
    case s3fifo(S3FIFOStrategy)
    case lru(LRUStrategy)
    case segmented(SegmentedLRUStrategy)
    case sketched(Unmanaged<SketchBox>)

    /// Runs `strategy`, whatever its type, without registering it.
    static func sketch(_ strategy: any EvictionStrategy) -> InstalledStrategy {
        .sketched(Unmanaged.passRetained(SketchBox(strategy)))
    }

    /// The policy `-o eviction_policy` names.
    init(_ configuration: EngineConfiguration) {
        switch configuration.evictionPolicy {
        case .s3fifo: self = .s3fifo(S3FIFOStrategy(memoryLimit: configuration.memoryLimit))
        case .lru: self = .lru(LRUStrategy())
        case .segmented: self = .segmented(SegmentedLRUStrategy(maintained: configuration.segmentedLRU.maintainer))
        }
    }

    @inline(__always)
    func run<Action: StrategyAction>(_ action: Action, in context: Action.Context) -> Action.Result {
        switch self {
        case .s3fifo(let strategy): return action.with(strategy, in: context)
        case .lru(let strategy): return action.with(strategy, in: context)
        case .segmented(let strategy): return action.with(strategy, in: context)
        case .sketched(let box): return action.with(box.takeUnretainedValue().strategy, in: context)
        }
    }

    /// The bits of an item's state byte that name its queue, for `LRULists` (known before the engine is).
    var queueMask: UInt8 { run(QueueMask(), in: ()) }

    /// The address space S3-FIFO's ghost filter maps (resident only as evictions write it); 0 for
    /// the policies that keep none.
    var ghostFilterBytes: Int {
        if case .s3fifo(let strategy) = self { return strategy.ghost.byteCount }
        return 0
    }

    /// Frees what the policy allocated, at engine shutdown.
    func destroy() {
        run(Destroy(), in: ())
        if case .sketched(let box) = self { box.release() }
    }
}

/// A policy that is not registered, held for `InstalledStrategy.sketch`.
final class SketchBox {
    let strategy: any EvictionStrategy
    init(_ strategy: any EvictionStrategy) { self.strategy = strategy }
}

private struct QueueMask: StrategyAction {
    func with<S: EvictionStrategy>(_ strategy: S, in context: Void) -> UInt8 { S.queueMask }
}

private struct Destroy: StrategyAction {
    func with<S: EvictionStrategy>(_ strategy: S, in context: Void) { strategy.destroy() }
}

/// Something the engine asks of its policy, written once for every policy: `with` is generic, and
/// `InstalledStrategy.run` calls it with the concrete one. The engine is an argument (the context),
/// not a field, so an action holds no reference to count; actions that need none take `Void`.
protocol StrategyAction {
    associatedtype Context = CacheEngine
    associatedtype Result
    func with<Strategy: EvictionStrategy>(_ strategy: Strategy, in context: Context) -> Result
}
