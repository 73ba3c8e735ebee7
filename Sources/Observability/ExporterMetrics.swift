import RequestHandling

/// The `memcached_*` families of prometheus/memcached_exporter, with its names, labels and types,
/// built from the same `stats`, `stats settings`, `stats items` and `stats slabs` lines that exporter
/// reads over the protocol — so a dashboard or alert written for it reads this server unchanged, and
/// every value is the matching `stats` value. The help texts are this project's own wording.
/// Families whose stat this server does not print (extstore, proxy) are absent, as the exporter
/// leaves them out for a memcached without them.
public enum ExporterMetrics {
    /// One stat line → one unlabelled sample.
    struct Plain {
        let stat: String
        let name: String
        let help: String
        let kind: MetricFamily.Kind
    }

    static let general: [Plain] = [
        Plain(stat: "uptime", name: "memcached_uptime_seconds", help: "Seconds since the server started.", kind: .counter),
        Plain(stat: "time", name: "memcached_time_seconds", help: "The server's current unix time.", kind: .gauge),
        Plain(stat: "rusage_user", name: "memcached_process_user_cpu_seconds_total", help: "User CPU time of the server process.", kind: .counter),
        Plain(stat: "rusage_system", name: "memcached_process_system_cpu_seconds_total", help: "System CPU time of the server process.", kind: .counter),
        Plain(stat: "bytes", name: "memcached_current_bytes", help: "Bytes the stored items take now.", kind: .gauge),
        Plain(stat: "limit_maxbytes", name: "memcached_limit_bytes", help: "Bytes the server may use to store items.", kind: .gauge),
        Plain(stat: "curr_items", name: "memcached_current_items", help: "Items stored now.", kind: .gauge),
        Plain(stat: "total_items", name: "memcached_items_total", help: "Items stored since the server started.", kind: .counter),
        Plain(stat: "bytes_read", name: "memcached_read_bytes_total", help: "Bytes the server read from the network.", kind: .counter),
        Plain(stat: "bytes_written", name: "memcached_written_bytes_total", help: "Bytes the server sent to the network.", kind: .counter),
        Plain(stat: "curr_connections", name: "memcached_current_connections", help: "Client connections open now.", kind: .gauge),
        Plain(stat: "total_connections", name: "memcached_connections_total", help: "Client connections opened since the server started.", kind: .counter),
        Plain(stat: "rejected_connections", name: "memcached_connections_rejected_total", help: "Connections refused because the -c limit was reached.", kind: .counter),
        Plain(stat: "conn_yields", name: "memcached_connections_yielded_total", help: "Times a connection yielded after -R requests in one event.", kind: .counter),
        Plain(stat: "listen_disabled_num", name: "memcached_connections_listener_disabled_total", help: "Times the listener stopped accepting at the connection limit.", kind: .counter),
        Plain(stat: "evictions", name: "memcached_items_evicted_total", help: "Live items removed to make room for new ones.", kind: .counter),
        Plain(stat: "reclaimed", name: "memcached_items_reclaimed_total", help: "Stores that reused the memory of an expired item.", kind: .counter),
        Plain(stat: "store_too_large", name: "memcached_item_too_large_total", help: "Stores refused for exceeding the item size limit.", kind: .counter),
        Plain(stat: "store_no_memory", name: "memcached_item_no_memory_total", help: "Stores refused for want of memory.", kind: .counter),
        Plain(stat: "lru_crawler_starts", name: "memcached_lru_crawler_starts_total", help: "Crawls the LRU crawler has started.", kind: .counter),
        Plain(stat: "direct_reclaims", name: "memcached_direct_reclaims_total", help: "Allocations that had to reclaim or evict items themselves.", kind: .counter),
        Plain(stat: "crawler_items_checked", name: "memcached_lru_crawler_items_checked_total", help: "Items the LRU crawler examined.", kind: .counter),
        Plain(stat: "crawler_reclaimed", name: "memcached_lru_crawler_reclaimed_total", help: "Items the LRU crawler freed.", kind: .counter),
        Plain(stat: "moves_to_cold", name: "memcached_lru_crawler_moves_to_cold_total", help: "Items moved from HOT or WARM to COLD.", kind: .counter),
        Plain(stat: "moves_to_warm", name: "memcached_lru_crawler_moves_to_warm_total", help: "Items moved from COLD to WARM.", kind: .counter),
        Plain(stat: "moves_within_lru", name: "memcached_lru_crawler_moves_within_lru_total", help: "Active items bumped within HOT or WARM.", kind: .counter),
        Plain(stat: "accepting_conns", name: "memcached_accepting_connections", help: "Whether the server accepts new connections (1) or not (0).", kind: .gauge),
    ]

    /// From `stats slabs`' totals (memcached 1.6 prints `total_malloced` there).
    static let slabTotals: [Plain] = [
        Plain(stat: "total_malloced", name: "memcached_malloced_bytes", help: "Bytes of memory given to slab pages.", kind: .gauge),
    ]

    static let settings: [Plain] = [
        Plain(stat: "maxconns", name: "memcached_max_connections", help: "Most client connections allowed at once.", kind: .gauge),
    ]

    /// Printed only while the crawler is on, as the exporter reads them only then.
    static let crawlerSettings: [Plain] = [
        Plain(stat: "lru_crawler", name: "memcached_lru_crawler_enabled", help: "Whether the LRU crawler is on.", kind: .gauge),
        Plain(stat: "lru_crawler_sleep", name: "memcached_lru_crawler_sleep", help: "Microseconds the crawler sleeps between batches.", kind: .gauge),
        Plain(stat: "lru_crawler_tocrawl", name: "memcached_lru_crawler_to_crawl", help: "Most items one crawl examines per class (0: all).", kind: .gauge),
        Plain(stat: "lru_maintainer_thread", name: "memcached_lru_crawler_maintainer_thread", help: "Whether the segmented LRU's maintainer thread runs.", kind: .gauge),
        Plain(stat: "hot_lru_pct", name: "memcached_lru_crawler_hot_percent", help: "Share of a class's memory kept for HOT, in percent.", kind: .gauge),
        Plain(stat: "warm_lru_pct", name: "memcached_lru_crawler_warm_percent", help: "Share of a class's memory kept for WARM, in percent.", kind: .gauge),
        Plain(stat: "hot_max_factor", name: "memcached_lru_crawler_hot_max_factor", help: "HOT items idle longer than COLD's age times this move to COLD.", kind: .gauge),
        Plain(stat: "warm_max_factor", name: "memcached_lru_crawler_warm_max_factor", help: "WARM items idle longer than COLD's age times this move to COLD.", kind: .gauge),
    ]

    /// `stats items` fields → families labelled `slab`.
    static let itemFields: [Plain] = [
        Plain(stat: "number", name: "memcached_slab_current_items", help: "Items stored in this slab class now.", kind: .gauge),
        Plain(stat: "age", name: "memcached_slab_items_age_seconds", help: "Seconds since the oldest item of the class was last used.", kind: .gauge),
        Plain(stat: "crawler_reclaimed", name: "memcached_slab_items_crawler_reclaimed_total", help: "Items of the class the LRU crawler freed.", kind: .counter),
        Plain(stat: "evicted", name: "memcached_slab_items_evicted_total", help: "Items of the class evicted before they expired.", kind: .counter),
        Plain(stat: "evicted_nonzero", name: "memcached_slab_items_evicted_nonzero_total", help: "Items with an expiry time evicted before it came.", kind: .counter),
        Plain(stat: "evicted_time", name: "memcached_slab_items_evicted_time_seconds", help: "Seconds since the last use of the class's most recently evicted item.", kind: .counter),
        Plain(stat: "evicted_unfetched", name: "memcached_slab_items_evicted_unfetched_total", help: "Items of the class evicted without ever being read.", kind: .counter),
        Plain(stat: "expired_unfetched", name: "memcached_slab_items_expired_unfetched_total", help: "Items of the class that expired without ever being read.", kind: .counter),
        Plain(stat: "outofmemory", name: "memcached_slab_items_outofmemory_total", help: "Stores in the class that failed for want of memory.", kind: .counter),
        Plain(stat: "reclaimed", name: "memcached_slab_items_reclaimed_total", help: "Stores in the class that reused an expired item's memory.", kind: .counter),
        Plain(stat: "tailrepairs", name: "memcached_slab_items_tailrepairs_total", help: "Times the class's LRU tail needed repairing.", kind: .counter),
        Plain(stat: "mem_requested", name: "memcached_slab_mem_requested_bytes", help: "Bytes the class's items actually need.", kind: .counter),
        Plain(stat: "moves_to_cold", name: "memcached_slab_items_moves_to_cold", help: "Items of the class moved from HOT or WARM to COLD.", kind: .counter),
        Plain(stat: "moves_to_warm", name: "memcached_slab_items_moves_to_warm", help: "Items of the class moved from COLD to WARM.", kind: .counter),
        Plain(stat: "moves_within_lru", name: "memcached_slab_items_moves_within_lru", help: "Active items of the class bumped within HOT or WARM.", kind: .counter),
        Plain(stat: "number_hot", name: "memcached_slab_hot_items", help: "Items of the class in the HOT LRU.", kind: .gauge),
        Plain(stat: "number_warm", name: "memcached_slab_warm_items", help: "Items of the class in the WARM LRU.", kind: .gauge),
        Plain(stat: "number_cold", name: "memcached_slab_cold_items", help: "Items of the class in the COLD LRU.", kind: .gauge),
        Plain(stat: "number_temp", name: "memcached_slab_temporary_items", help: "Items of the class in the TEMPORARY LRU.", kind: .gauge),
        Plain(stat: "age_hot", name: "memcached_slab_hot_age_seconds", help: "Age of the oldest item in the class's HOT LRU.", kind: .gauge),
        Plain(stat: "age_warm", name: "memcached_slab_warm_age_seconds", help: "Age of the oldest item in the class's WARM LRU.", kind: .gauge),
    ]

    /// `stats items` hit counts per queue → `memcached_slab_lru_hits_total{slab,lru}`.
    static let lruHitFields: [(stat: String, lru: String)] = [
        ("hits_to_hot", "hot"), ("hits_to_warm", "warm"), ("hits_to_cold", "cold"), ("hits_to_temp", "temporary"),
    ]

    /// `stats slabs` fields → families labelled `slab`.
    static let slabFields: [Plain] = [
        Plain(stat: "chunk_size", name: "memcached_slab_chunk_size_bytes", help: "Bytes in each chunk of this slab class.", kind: .gauge),
        Plain(stat: "chunks_per_page", name: "memcached_slab_chunks_per_page", help: "Chunks in one page of this slab class.", kind: .gauge),
        Plain(stat: "total_pages", name: "memcached_slab_current_pages", help: "Pages given to this slab class.", kind: .gauge),
        Plain(stat: "total_chunks", name: "memcached_slab_current_chunks", help: "Chunks in the class's pages.", kind: .gauge),
        Plain(stat: "used_chunks", name: "memcached_slab_chunks_used", help: "Chunks of the class holding items.", kind: .gauge),
        Plain(stat: "free_chunks", name: "memcached_slab_chunks_free", help: "Chunks of the class free for new items.", kind: .gauge),
        Plain(stat: "free_chunks_end", name: "memcached_slab_chunks_free_end", help: "Free chunks at the end of the class's newest page.", kind: .gauge),
    ]

    static let commandsHelp = "Requests by command and outcome."
    static let slabCommandsHelp = "Requests on items of this slab class, by command and outcome."

    /// Every exporter family this snapshot has a value for; `memcached_up` first (1: this server
    /// answers its own scrape).
    public static func families(from snapshot: StatsSnapshot) -> [MetricFamily] {
        var set = FamilySet()
        set.add("memcached_up", "Whether the server could be read (always 1 when it answers itself).", .gauge, value: 1)
        if let version = snapshot.value("version") {
            set.add("memcached_version", "The protocol version the server reports, as the label.", .gauge,
                    labels: [("version", version)], value: 1)
        }
        addPlain(general, from: snapshot[.general], to: &set)
        addCommands(from: snapshot, to: &set)
        addPlain(slabTotals, from: snapshot[.slabs], to: &set)
        addPlain(settings, from: snapshot[.settings], to: &set)
        if snapshot.value("lru_crawler", in: .settings) == "yes" {
            addPlain(crawlerSettings, from: snapshot[.settings], to: &set)
        }
        addPerClass(itemFields, lines: snapshot[.items], key: ClassStatKey.init(itemsName:), to: &set)
        addLRUHits(from: snapshot[.items], to: &set)
        addSlabCommands(from: snapshot[.slabs], to: &set)
        addPerClass(slabFields, lines: snapshot[.slabs], key: ClassStatKey.init(slabsName:), to: &set)
        return set.families
    }

    /// A stat's value as a number: decimal figures (`rusage_*`' `s.micros` included) as they read,
    /// memcached's yes/no as 1/0; anything else is not a sample.
    static func number(_ text: String) -> Double? {
        switch text {
        case "yes": return 1
        case "no": return 0
        default: return Double(text)
        }
    }

    /// `labels` go on every sample (the cluster view's `instance`).
    static func addPlain(_ table: [Plain], from lines: [StatLine], labels: [(name: String, value: String)] = [],
                         to set: inout FamilySet) {
        for entry in table {
            guard let text = lines.first(where: { $0.name == entry.stat })?.value, let value = number(text) else { continue }
            set.add(entry.name, entry.help, entry.kind, labels: labels, value: value)
        }
    }

    /// The families a node's plain `stats` lines give (general figures and commands), each sample
    /// labelled with `labels`: what the configuration endpoint's `/metrics` shows per node.
    static func addGeneral(_ lines: [StatLine], labels: [(name: String, value: String)], to set: inout FamilySet) {
        addPlain(general, from: lines, labels: labels, to: &set)
        addCommands(from: StatsSnapshot(groups: [.general: lines]), labels: labels, to: &set)
    }

    /// hits and misses of get, delete, incr, decr, cas and touch; cas badval; flush; and set, which
    /// memcached's `cmd_set` counts together with every cas.
    private static func addCommands(from snapshot: StatsSnapshot, labels: [(name: String, value: String)] = [],
                                    to set: inout FamilySet) {
        func stat(_ name: String) -> Double? { snapshot.value(name).flatMap(number) }
        func add(_ command: String, _ status: String, _ value: Double?) {
            guard let value else { return }
            set.add("memcached_commands_total", commandsHelp, .counter,
                    labels: labels + [("command", command), ("status", status)], value: value)
        }
        for command in ["get", "delete", "incr", "decr", "cas", "touch"] {
            add(command, "hit", stat(command + "_hits"))
            add(command, "miss", stat(command + "_misses"))
        }
        add("cas", "badval", stat("cas_badval"))
        add("flush", "hit", stat("cmd_flush"))
        if let sets = stat("cmd_set"), let hits = stat("cas_hits"), let misses = stat("cas_misses"), let bad = stat("cas_badval") {
            add("set", "hit", sets - hits - misses - bad)
        }
    }

    private static func addPerClass(_ table: [Plain], lines: [StatLine], key: (String) -> ClassStatKey?,
                                    to set: inout FamilySet) {
        let byField = Dictionary(table.map { ($0.stat, $0) }, uniquingKeysWith: { first, _ in first })
        for line in lines {
            guard let key = key(line.name), let entry = byField[key.field], let value = number(line.value) else { continue }
            set.add(entry.name, entry.help, entry.kind, labels: [("slab", key.classID)], value: value)
        }
    }

    /// `stats slabs`' per-class command counts → `memcached_slab_commands_total{slab,command,status}`,
    /// as the exporter builds it: each `<command>_hits` a hit, `cas_badval` cas's badval, and set's
    /// hits the class's `cmd_set` less its cas hits and bad values (cmd_set counts every cas store).
    private static func addSlabCommands(from lines: [StatLine], to set: inout FamilySet) {
        var byClass: [(classID: String, fields: [String: Double])] = []
        for line in lines {
            guard let key = ClassStatKey(slabsName: line.name), let value = number(line.value) else { continue }
            if byClass.last?.classID != key.classID { byClass.append((key.classID, [:])) }
            byClass[byClass.count - 1].fields[key.field] = value
        }
        for (classID, fields) in byClass {
            func add(_ command: String, _ status: String, _ value: Double?) {
                guard let value else { return }
                set.add("memcached_slab_commands_total", slabCommandsHelp, .counter,
                        labels: [("slab", classID), ("command", command), ("status", status)], value: value)
            }
            for command in ["get", "delete", "incr", "decr", "cas", "touch"] {
                add(command, "hit", fields[command + "_hits"])
            }
            add("cas", "badval", fields["cas_badval"])
            if let sets = fields["cmd_set"], let hits = fields["cas_hits"], let bad = fields["cas_badval"] {
                add("set", "hit", sets - hits - bad)
            }
        }
    }

    private static func addLRUHits(from lines: [StatLine], to set: inout FamilySet) {
        let lruOf = Dictionary(uniqueKeysWithValues: lruHitFields.map { ($0.stat, $0.lru) })
        for line in lines {
            guard let key = ClassStatKey(itemsName: line.name), let lru = lruOf[key.field],
                  let value = number(line.value) else { continue }
            set.add("memcached_slab_lru_hits_total", "Reads that hit an item of the class, by the LRU it was in.", .counter,
                    labels: [("slab", key.classID), ("lru", lru)], value: value)
        }
    }
}
