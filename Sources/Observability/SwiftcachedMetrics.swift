import RequestHandling

/// Swiftcached's own families, under the `swiftcached_` prefix: what the exporter has no name for.
/// Request latency is not measured: timing every request would put two clock reads on the request
/// path, which this server keeps free of anything a scrape could read instead.
public enum SwiftcachedMetrics {
    public static func families(from snapshot: StatsSnapshot, figures: ServerFigures) -> [MetricFamily] {
        var set = FamilySet()
        set.add("swiftcached_eviction_policy", "The eviction policy in use, as the label (-o eviction_policy).", .gauge,
                labels: [("policy", figures.policy)], value: 1)
        for queue in figures.queues {
            set.add("swiftcached_policy_queue_items", "Items in each queue of the eviction policy, by slab class and the policy's own queue name.",
                    .gauge, labels: [("slab", String(queue.classID)), ("queue", queue.queue)], value: Double(queue.items))
        }
        for worker in figures.workers {
            set.add("swiftcached_worker_connections", "Client connections open now on each worker thread.", .gauge,
                    labels: [("worker", String(worker.worker))], value: Double(worker.open))
        }
        for worker in figures.workers {
            set.add("swiftcached_worker_accepted_connections_total", "Client connections each worker thread has been handed since start.", .counter,
                    labels: [("worker", String(worker.worker))], value: Double(worker.opened))
        }
        if figures.ghostFilterBytes > 0 {
            set.add("swiftcached_ghost_filter_bytes", "Bytes the S3-FIFO ghost filter maps; resident only as evictions write them.",
                    .gauge, value: Double(figures.ghostFilterBytes))
        }
        if let power = snapshot.value("hash_power_level").flatMap(Int.init), power >= 0, power < 63 {
            set.add("swiftcached_hash_buckets", "Buckets in the hash table (2^hash_power_level).", .gauge, value: Double(1 << power))
        }
        ExporterMetrics.addPlain(plain, from: snapshot[.general], to: &set)
        return set.families
    }

    static let plain: [ExporterMetrics.Plain] = [
        .init(stat: "hash_bytes", name: "swiftcached_hash_bytes", help: "Bytes the hash table takes.", kind: .gauge),
        .init(stat: "hash_is_expanding", name: "swiftcached_hash_expanding", help: "Whether the hash table is growing now (1) or not (0).", kind: .gauge),
        .init(stat: "slabs_moved", name: "swiftcached_slab_pages_moved_total", help: "Slab pages moved between classes.", kind: .counter),
        .init(stat: "read_buf_bytes", name: "swiftcached_buffer_bytes", help: "Bytes the connections' read and response buffer pools hold.", kind: .gauge),
        .init(stat: "read_buf_oom", name: "swiftcached_buffer_out_of_memory_total", help: "Connections closed because -o read_buf_mem_limit left no buffer.", kind: .counter),
        .init(stat: "response_obj_oom", name: "swiftcached_response_out_of_memory_total", help: "Requests refused because their answer would hold too much.", kind: .counter),
        .init(stat: "evicted_unfetched", name: "swiftcached_items_evicted_unfetched_total", help: "Items evicted without ever being read.", kind: .counter),
        .init(stat: "expired_unfetched", name: "swiftcached_items_expired_unfetched_total", help: "Items that expired without ever being read.", kind: .counter),
        .init(stat: "lrutail_reflocked", name: "swiftcached_tail_pinned_skips_total", help: "Times eviction passed over an item a response was still sending.", kind: .counter),
    ]
}
