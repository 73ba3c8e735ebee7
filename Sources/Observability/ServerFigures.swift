import CacheEngine
import RequestHandling

/// Swiftcached's own figures that `stats` does not print: the eviction policy's queues under their
/// own names, each worker's connections, the ghost filter's size. Read at one moment, like a `StatsSnapshot`.
public struct ServerFigures: Sendable {
    public struct QueueSize: Sendable, Equatable {
        public let classID: Int
        public let queue: String
        public let items: Int
    }

    public struct WorkerConnections: Sendable, Equatable {
        public let worker: Int
        public let open: UInt64
        public let opened: UInt64
    }

    /// `-o eviction_policy`'s name (s3fifo, segmented, lru).
    public let policy: String
    public let queues: [QueueSize]
    public let workers: [WorkerConnections]
    /// Bytes the S3-FIFO ghost filter maps (`CacheEngine.ghostFilterBytes`); 0 under other policies.
    public let ghostFilterBytes: Int

    public init(policy: String, queues: [QueueSize], workers: [WorkerConnections], ghostFilterBytes: Int = 0) {
        self.policy = policy
        self.queues = queues
        self.workers = workers
        self.ghostFilterBytes = ghostFilterBytes
    }

    /// Per-class queue sizes under each class's LRU lock (`CacheEngine.itemStatistics`), per-worker
    /// counters under the counter registry's lock: what `stats items` and `stats` take.
    public static func take(of server: ServerContext) -> ServerFigures {
        let policy = server.settings.engine.evictionPolicy
        let temp = server.engine.tuning.temporaryLRU
        var queues: [QueueSize] = []
        for item in server.engine.itemStatistics() where item.number > 0 {
            for (queue, items) in policyQueues(policy, item, withTemp: temp) {
                queues.append(QueueSize(classID: item.classID, queue: queue, items: items))
            }
        }
        let opened = server.counters.perWorker(.connectionsOpened)
        let closed = Dictionary(uniqueKeysWithValues: server.counters.perWorker(.connectionsClosed).map { ($0.worker, $0.value) })
        let workers = opened.map { WorkerConnections(worker: $0.worker, open: $0.value &- (closed[$0.worker] ?? 0), opened: $0.value) }
        return ServerFigures(policy: policy.rawValue, queues: queues, workers: workers,
                             ghostFilterBytes: server.engine.ghostFilterBytes)
    }

    /// The policy's queues by their own names; `stats items` reports them mapped onto memcached's
    /// hot/warm/cold (docs/architecture.md, "Segment statistics under every policy").
    static func policyQueues(_ policy: EvictionPolicy, _ item: ItemClassStatistics, withTemp: Bool) -> [(String, Int)] {
        switch policy {
        case .s3fifo: return [("small", item.numberHot), ("main", item.numberWarm)]
        case .lru: return [("lru", item.numberCold)]
        case .segmented:
            let segments = [("hot", item.numberHot), ("warm", item.numberWarm), ("cold", item.numberCold)]
            return withTemp ? segments + [("temp", item.numberTemp)] : segments
        }
    }
}
