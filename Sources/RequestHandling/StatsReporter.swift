import CacheEngine
import MemcacheProtocol
import Networking
import OutputBuffers
#if canImport(Glibc)
import Glibc
#endif

/// Writes the `stats` family of answers with memcached 1.6.18's names, order and number formats.
/// Lines for machinery this server does not have at all (extstore, the proxy) are left out; lines
/// for machinery it has in another form say what that form counts (see each writer).
struct StatsReporter {
    let server: ServerContext
    /// The server's settings; a reload renders a candidate's here to see which static ones differ.
    let settings: ServerSettings

    init(context: WorkerContext) { self.init(server: context.server) }

    /// For readers outside a connection (the admin listener's snapshots): the answers read only
    /// server-wide state, never a worker's.
    init(server: ServerContext, settings: ServerSettings? = nil) {
        self.server = server
        self.settings = settings ?? server.settings
    }

    // MARK: stats

    func writeGeneral(into output: inout OutputBuffer) {
        let counters = server.counters
        let engineStats = server.engine.statistics()
        let now = server.engine.clock.unixNow
        output.appendStat("pid", Int(getpid()))
        output.appendStat("uptime", Int(now - server.startTime))
        output.appendStat("time", Int(now))
        output.appendStat("version", reportedVersion)
        output.appendStat("libevent", settings.libeventVersion)
        output.appendStat("pointer_size", MemoryLayout<UnsafeRawPointer>.size * 8)
        writeResourceUsage(into: &output)
        output.appendStat("max_connections", server.live.maxConnections)
        let opened = counters.total(.connectionsOpened)
        let current = opened &- counters.total(.connectionsClosed)
        output.appendStat("curr_connections", current)
        output.appendStat("total_connections", opened)
        // Connections over -c are always refused at once here; memcached counts them, and prints
        // the line, only in that mode (maxconns_fast, its default).
        if settings.admin.maxconnsFast {
            output.appendStat("rejected_connections", counters.total(.rejectedConnections))
        }
        // Only with an allowlist, as memcached prints its TLS lines only with TLS on.
        if settings.allowlist != nil {
            output.appendStat("rejected_by_allowlist", counters.total(.rejectedByAllowlist))
        }
        // Only once the bounded `stats detail` table has refused a prefix (memcached has no bound).
        let droppedDetail = server.prefixStatistics.droppedRecords
        if droppedDetail > 0 { output.appendStat("detail_records_dropped", droppedDetail) }
        // memcached counts its listening socket among connection structures.
        output.appendStat("connection_structures", current + 1)
        output.appendStat("response_obj_oom", counters.total(.responseObjectsOutOfMemory))
        writeResponseBuffers(into: &output)
        let buffers = server.bufferMemory.figures
        output.appendStat("read_buf_count", buffers.count)
        output.appendStat("read_buf_bytes", buffers.bytes)
        output.appendStat("read_buf_bytes_free", buffers.freeBytes)
        output.appendStat("read_buf_oom", buffers.outOfMemory)
        output.appendStat("reserved_fds", server.connectionDirectory?.reservedDescriptors ?? 0)
        for counter in [Counter.cmdGet, .cmdSet, .cmdFlush, .cmdTouch, .cmdMeta] {
            output.appendStat(counter.statName, counters.total(counter))
        }
        for counter in [Counter.getHits, .getMisses, .getExpired, .getFlushed,
                        .deleteMisses, .deleteHits, .incrMisses, .incrHits, .decrMisses, .decrHits,
                        .casMisses, .casHits, .casBadval, .touchHits, .touchMisses,
                        .storeTooLarge, .storeNoMemory] {
            output.appendStat(counter.statName, counters.total(counter))
        }
        output.appendStat("auth_cmds", counters.total(.authCmds))
        output.appendStat("auth_errors", counters.total(.authErrors))
        if server.live.idleTimeout > 0 {
            output.appendStat("idle_kicks", counters.total(.idleKicks))
        }
        output.appendStat("bytes_read", counters.total(.bytesRead))
        output.appendStat("bytes_written", counters.total(.bytesWritten))
        output.appendStat("limit_maxbytes", engineStats.limitMaxbytes)
        output.appendStat("accepting_conns", 1)
        output.appendStat("listen_disabled_num", 0)
        output.appendStat("time_in_listen_disabled_us", 0)
        output.appendStat("threads", settings.workerThreads)
        output.appendStat("conn_yields", counters.total(.connYields))
        output.appendStat("hash_power_level", engineStats.hashPowerLevel)
        output.appendStat("hash_bytes", engineStats.hashBytes)
        output.appendStat("hash_is_expanding", engineStats.hashIsExpanding ? 1 : 0)
        if settings.admin.slabReassign { writePageMoves(engineStats, into: &output) }
        if engineStats.lruCrawlerEnabled {
            output.appendStat("lru_crawler_running", engineStats.lruCrawlerRunning ? 1 : 0)
            output.appendStat("lru_crawler_starts", UInt64(engineStats.lruCrawlerStarts))
        }
        // Printed whenever memcached would run its maintainer (not `-o no_lru_maintainer`); policies
        // other than `segmented` run none, so it never wakes: 0.
        if settings.engine.segmentedLRU.maintainer {
            output.appendStat("lru_maintainer_juggles", engineStats.lruMaintainerJuggles ?? 0)
        }
        output.appendStat("malloc_fails", 0)
        writeLogFigures(into: &output)
        writeTLSFigures(into: &output)
        // NAPI ids (`-N`) are never read here, so, as in memcached without them, neither happens.
        output.appendStat("unexpected_napi_ids", 0)
        output.appendStat("round_robin_fallback", 0)
        output.appendStat("bytes", engineStats.bytes)
        output.appendStat("curr_items", engineStats.currItems)
        output.appendStat("total_items", engineStats.totalItems)
        output.appendStat("slab_global_page_pool", engineStats.globalPagePool)
        output.appendStat("expired_unfetched", engineStats.expiredUnfetched)
        output.appendStat("evicted_unfetched", engineStats.evictedUnfetched)
        if showsSegmentFigures { output.appendStat("evicted_active", engineStats.evictedActive) }
        output.appendStat("evictions", engineStats.evictions)
        output.appendStat("reclaimed", engineStats.reclaimed)
        output.appendStat("crawler_reclaimed", engineStats.crawlerReclaimed)
        output.appendStat("crawler_items_checked", engineStats.crawlerItemsChecked)
        output.appendStat("lrutail_reflocked", engineStats.tailReflocked)
        if showsSegmentFigures {
            output.appendStat("moves_to_cold", engineStats.movesToCold)
            output.appendStat("moves_to_warm", engineStats.movesToWarm)
            output.appendStat("moves_within_lru", engineStats.movesWithinLRU)
            output.appendStat("direct_reclaims", engineStats.directReclaims)
            output.appendStat("lru_bumps_dropped", engineStats.lruBumpsDropped)
        }
        output.append(ResponseLine.end)
    }

    /// Response buffers lent to connections now (memcached counts one response object per answer;
    /// here a connection's answers share one buffer, taken back by the worker's sweep once sent).
    private func writeResponseBuffers(into output: inout OutputBuffer) {
        let counters = server.counters
        let lent = counters.total(.responseBuffersLent) &- counters.total(.responseBuffersReturned)
        output.appendStat("response_obj_count", lent)
        output.appendStat("response_obj_bytes", lent &* UInt64(BufferPool.standardBlockSize))
    }

    /// The page mover's figures. It evicts every item of a page it empties and never copies one into
    /// a free chunk elsewhere, so the rescue figures (and the inline reclaims of such copies) stay 0.
    private func writePageMoves(_ engineStats: EngineStatistics, into output: inout OutputBuffer) {
        output.appendStat("slab_reassign_rescues", 0)
        output.appendStat("slab_reassign_chunk_rescues", 0)
        output.appendStat("slab_reassign_evictions_nomem", engineStats.slabReassignEvictions)
        output.appendStat("slab_reassign_inline_reclaim", 0)
        output.appendStat("slab_reassign_busy_items", engineStats.slabReassignBusyItems)
        output.appendStat("slab_reassign_busy_deletes", engineStats.slabReassignBusyDeletes)
        output.appendStat("slab_reassign_running", engineStats.slabReassignRunning ? 1 : 0)
        output.appendStat("slabs_moved", engineStats.slabsMoved)
    }

    /// `watch`'s figures. Producers write each line straight into the watchers' buffers (there is
    /// no per-worker log buffer to overflow), so log_worker_dropped stays 0.
    private func writeLogFigures(into output: inout OutputBuffer) {
        let log = server.watchHub.figures
        output.appendStat("log_worker_dropped", 0)
        output.appendStat("log_worker_written", log.written)
        output.appendStat("log_watcher_skipped", log.skipped)
        output.appendStat("log_watcher_sent", log.sent)
        output.appendStat("log_watchers", UInt64(log.watchers))
    }

    /// rusage_user / rusage_system as memcached prints them: `seconds.microseconds`, six digits.
    private func writeResourceUsage(into output: inout OutputBuffer) {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        output.appendStat("rusage_user", StatsReporter.secondsAndMicros(usage.ru_utime))
        output.appendStat("rusage_system", StatsReporter.secondsAndMicros(usage.ru_stime))
    }

    static func secondsAndMicros(_ time: timeval) -> String {
        let micros = String(time.tv_usec)
        return "\(time.tv_sec)." + String(repeating: "0", count: max(0, 6 - micros.count)) + micros
    }

    /// memcached prints its segment figures only while its maintainer thread runs, which is its
    /// default; here they are printed (mapped from the policy's queues) unless `-o no_lru_maintainer`.
    private var showsSegmentFigures: Bool { settings.engine.segmentedLRU.maintainer }

    // MARK: stats settings

    func writeSettings(into output: inout OutputBuffer) {
        let engine = settings.engine
        let admin = settings.admin
        output.appendStat("maxbytes", server.engine.memoryLimit)
        output.appendStat("maxconns", server.live.maxConnections)
        output.appendStat("tcpport", settings.tcpPort)
        output.appendStat("udpport", settings.udpPort)
        output.appendStat("inter", settings.listenAddresses.isEmpty ? "NULL" : settings.listenAddresses.joined(separator: ","))
        output.appendStat("verbosity", server.verbosity)
        output.appendStat("oldest", 0)
        output.appendStat("evictions", engine.evictionsEnabled ? "on" : "off")
        output.appendStat("domain_socket", settings.unixSocketPath ?? "NULL")
        output.appendStat("umask", String(settings.unixSocketMask, radix: 8))
        output.appendStat("shutdown_command", admin.shutdownEnabled ? "yes" : "no")
        output.appendStat("growth_factor", twoDecimals(engine.growthFactor))
        output.appendStat("chunk_size", engine.chunkSizeMin)
        output.appendStat("num_threads", settings.workerThreads)
        output.appendStat("num_threads_per_udp", settings.workerThreads)
        output.appendStat("stat_key_prefix", String(UnicodeScalar(admin.prefixDelimiter)))
        output.appendStat("detail_enabled", server.detailEnabled ? "yes" : "no")
        output.appendStat("reqs_per_event", server.live.requestsPerEvent)
        output.appendStat("cas_enabled", engine.casEnabled ? "yes" : "no")
        output.appendStat("tcp_backlog", settings.backlog)
        // Only the text protocol is spoken.
        output.appendStat("binding_protocol", settings.bindingProtocol.statsName)
        output.appendStat("auth_enabled_sasl", settings.saslCredentials == nil ? "no" : "yes")
        output.appendStat("auth_enabled_ascii", settings.asciiAuthFile ?? "no")
        output.appendStat("item_size_max", engine.itemSizeMax)
        output.appendStat("maxconns_fast", admin.maxconnsFast ? "yes" : "no")
        output.appendStat("hashpower_init", engine.hashPowerInitial)
        output.appendStat("slab_reassign", admin.slabReassign ? "yes" : "no")
        output.appendStat("slab_automove", server.engine.slabAutomove)
        output.appendStat("slab_automove_ratio", twoDecimals(server.engine.slabAutomoveRatio))
        output.appendStat("slab_automove_window", UInt64(engine.slabAutomoveWindow))
        output.appendStat("slab_chunk_max", engine.slabChunkMax)
        output.appendStat("lru_crawler", server.engine.lruCrawlerEnabled ? "yes" : "no")
        output.appendStat("lru_crawler_sleep", UInt64(server.engine.lruCrawlerSleep))
        output.appendStat("lru_crawler_tocrawl", UInt64(server.engine.lruCrawlerToCrawl))
        output.appendStat("tail_repair_time", admin.tailRepairTime)
        output.appendStat("flush_enabled", server.live.flushEnabled ? "yes" : "no")
        output.appendStat("dump_enabled", settings.dumpEnabled ? "yes" : "no")
        output.appendStat("hash_algorithm", admin.hashAlgorithm)
        let tuning = server.engine.tuning
        output.appendStat("lru_maintainer_thread", server.engine.lruMaintainerRunning ? "yes" : "no")
        output.appendStat("eviction_policy", engine.evictionPolicy.rawValue)
        output.appendStat("lru_segmented", engine.evictionPolicy == .segmented && tuning.segmented ? "yes" : "no")
        // memcached prints its unsigned percentages with %d (`lru tune` can store 4294967295: -1).
        output.appendStat("hot_lru_pct", Int(Int32(bitPattern: tuning.hotPercent)))
        output.appendStat("warm_lru_pct", Int(Int32(bitPattern: tuning.warmPercent)))
        output.appendStat("hot_max_factor", twoDecimals(tuning.hotMaxFactor))
        output.appendStat("warm_max_factor", twoDecimals(tuning.warmMaxFactor))
        output.appendStat("temp_lru", tuning.temporaryLRU ? "yes" : "no")
        output.appendStat("temporary_ttl", Int(tuning.temporaryTTL))
        output.appendStat("idle_timeout", server.live.idleTimeout)
        output.appendStat("watcher_logbuf_size", admin.watcherLogBufferSize)
        output.appendStat("worker_logbuf_size", admin.workerLogBufferSize)
        output.appendStat("read_buf_mem_limit", settings.readBufferMemoryLimit)
        output.appendStat("track_sizes", server.engine.sizeTrackingEnabled ? "yes" : "no")
        output.appendStat("inline_ascii_response", "no")
        // Of memcached's extstore lines (refused at start-up), the one setting accepted.
        output.appendStat("slab_automove_freeratio", threeDecimals(admin.slabAutomoveFreeRatio))
        writeTLSSettings(into: &output)
        if let pending = server.pendingRestart { output.appendStat("pending_restart", pending) }
        // memcached prints its unset strings with "%s" of NULL, which glibc writes as "(null)".
        output.appendStat("num_napi_ids", admin.napiIDs.map(String.init) ?? "(null)")
        output.appendStat("memory_file", admin.memoryFile ?? "(null)")
        output.append(ResponseLine.end)
    }

    /// memcached prints these only with TLS on; `ssl_new_sessions` only with its session cache.
    private func writeTLSFigures(into output: inout OutputBuffer) {
        guard settings.tls.enabled, let tls = server.tls else { return }
        if settings.tls.sessionCache { output.appendStat("ssl_new_sessions", server.counters.total(.sslNewSessions)) }
        output.appendStat("ssl_handshake_errors", server.counters.total(.sslHandshakeErrors))
        output.appendStat("time_since_server_cert_refresh", tls.secondsSinceCertificateLoad)
    }

    /// memcached's TLS lines of `stats settings`, printed with TLS on or off. Unset paths read as
    /// memcached prints them: "(null)" (glibc's "%s" of NULL) for the certificate and key, "NULL"
    /// (its own word) for the cipher list and the CA file.
    private func writeTLSSettings(into output: inout OutputBuffer) {
        let tls = settings.tls
        output.appendStat("ssl_enabled", tls.enabled ? "yes" : "no")
        output.appendStat("ssl_chain_cert", tls.chainCertificate ?? "(null)")
        output.appendStat("ssl_key", tls.key ?? "(null)")
        output.appendStat("ssl_verify_mode", tls.verifyFlags)
        output.appendStat("ssl_keyformat", tls.keyFormat)
        output.appendStat("ssl_ciphers", tls.ciphers ?? "NULL")
        output.appendStat("ssl_ca_cert", tls.caCertificate ?? "NULL")
        output.appendStat("ssl_wbuf_size", tls.writeBufferSize)
        output.appendStat("ssl_session_cache", tls.sessionCache ? "yes" : "no")
        // memcached echoes the option; here it says whether kernel TLS is really in use.
        output.appendStat("ssl_kernel_tls", server.tls?.usesKernelTLS == true ? "yes" : "no")
        output.appendStat("ssl_min_version", tls.minimumVersionName)
    }

    // MARK: stats items / slabs / sizes

    /// One block per slab class holding items, in memcached's order. The hot/warm/cold figures come
    /// from the eviction policy's own queues (CacheEngine.itemStatistics says how they map); the
    /// hits on them from the workers' per-class counters.
    func writeItems(into output: inout OutputBuffer) {
        let segmentLines = showsSegmentFigures
        let temp = server.engine.tuning.temporaryLRU
        let items = server.counters.withClassTotals { totals in
            server.engine.itemStatistics { totals.hits(slabClass: $0, queue: $1) }
        }
        for item in items where item.number > 0 {
            let prefix = "items:\(item.classID):"
            func stat(_ name: String, _ value: UInt64) { output.appendStat(prefix + name, value) }
            stat("number", UInt64(item.number))
            if segmentLines {
                stat("number_hot", UInt64(item.numberHot))
                stat("number_warm", UInt64(item.numberWarm))
                stat("number_cold", UInt64(item.numberCold))
                if temp { stat("number_temp", UInt64(item.numberTemp)) }
                stat("age_hot", UInt64(item.ageHot))
                stat("age_warm", UInt64(item.ageWarm))
            }
            stat("age", UInt64(item.age))
            stat("mem_requested", item.memRequested)
            stat("evicted", item.evicted)
            stat("evicted_nonzero", item.evictedNonzero)
            stat("evicted_time", UInt64(item.evictedTime))
            stat("outofmemory", item.outOfMemory)
            stat("tailrepairs", 0)
            stat("reclaimed", item.reclaimed)
            stat("expired_unfetched", item.expiredUnfetched)
            stat("evicted_unfetched", item.evictedUnfetched)
            if segmentLines { stat("evicted_active", item.evictedActive) }
            stat("crawler_reclaimed", item.crawlerReclaimed)
            stat("crawler_items_checked", item.crawlerItemsChecked)
            stat("lrutail_reflocked", item.tailReflocked)
            if segmentLines {
                stat("moves_to_cold", item.movesToCold)
                stat("moves_to_warm", item.movesToWarm)
                stat("moves_within_lru", item.movesWithinLRU)
                stat("direct_reclaims", item.directReclaims)
                stat("hits_to_hot", item.hitsToHot)
                stat("hits_to_warm", item.hitsToWarm)
                stat("hits_to_cold", item.hitsToCold)
                stat("hits_to_temp", item.hitsToTemp)
            }
        }
        output.append(ResponseLine.end)
    }

    /// One block per slab class that owns pages, then the totals. The command counts after
    /// free_chunks_end are the workers' per-class counters (ClassCounter), in memcached's order.
    func writeSlabs(into output: inout OutputBuffer) {
        var activeClasses = 0
        let slabs = server.engine.slabStatistics()
        server.counters.withClassTotals { classTotals in
            for slab in slabs where slab.totalPages > 0 {
                activeClasses += 1
                writeSlab(slab, classTotals, into: &output)
            }
        }
        output.appendStat("active_slabs", activeClasses)
        output.appendStat("total_malloced", server.engine.statistics().totalMalloced)
        output.append(ResponseLine.end)
    }

    /// One class's `stats slabs` lines.
    private func writeSlab(_ slab: SlabClassStatistics, _ classTotals: ClassTotals, into output: inout OutputBuffer) {
        let prefix = "\(slab.classID):"
        func stat(_ name: String, _ value: Int) { output.appendStat(prefix + name, value) }
        stat("chunk_size", slab.chunkSize)
        stat("chunks_per_page", slab.chunksPerPage)
        stat("total_pages", slab.totalPages)
        stat("total_chunks", slab.totalChunks)
        stat("used_chunks", slab.usedChunks)
        stat("free_chunks", slab.freeChunks)
        stat("free_chunks_end", slab.freeChunksEnd)
        output.appendStat(prefix + "get_hits", classTotals.getHits(slabClass: slab.classID))
        for (name, counter) in ClassCounter.slabsOrder {
            output.appendStat(prefix + name, classTotals[counter, slabClass: slab.classID])
        }
    }

    /// Items per 32-byte size bucket (labelled by the bucket's upper bound), or `sizes_status
    /// disabled` while tracking is off (memcached's default).
    func writeSizes(into output: inout OutputBuffer) {
        if let buckets = server.engine.sizeHistogram() {
            for bucket in buckets { output.appendStat(String(bucket.size), UInt64(bucket.count)) }
        } else {
            output.appendStat("sizes_status", "disabled")
        }
        output.append(ResponseLine.end)
    }

    /// `stats sizes_enable`: memcached answers with its status lines and no END.
    func enableSizes(into output: inout OutputBuffer) {
        switch server.engine.enableSizeTracking() {
        case .enabled:
            output.appendStat("sizes_status", "enabled")
        case .casDisabled:
            output.appendStat("sizes_status", "error")
            output.appendStat("sizes_error", "cas_support_disabled")
        }
    }

    /// `stats sizes_disable`: likewise without END.
    func disableSizes(into output: inout OutputBuffer) {
        server.engine.disableSizeTracking()
        output.appendStat("sizes_status", "disabled")
    }
}

/// A number with two decimals, as C's "%.2f" prints it (the server links no Foundation).
func twoDecimals(_ value: Double) -> String { fixedDecimals(value, places: 2) }

/// "%.3f".
func threeDecimals(_ value: Double) -> String { fixedDecimals(value, places: 3) }

private func fixedDecimals(_ value: Double, places: Int) -> String {
    var scale = 1
    for _ in 0..<places { scale *= 10 }
    let scaled = Int((abs(value) * Double(scale)).rounded())
    let fraction = String(scaled % scale)
    let sign = value < 0 && scaled != 0 ? "-" : ""
    return sign + "\(scaled / scale)." + String(repeating: "0", count: places - fraction.count) + fraction
}

/// `stats detail dump`, for the text and binary sessions alike.
extension StatsReporter {
    /// memcached's `PREFIX <prefix> get <n> hit <n> set <n> del <n>` lines, in the order first seen
    /// (memcached's follows its hash table), then `END`.
    func writeDetailDump(into output: inout OutputBuffer) {
        for (prefix, counts) in server.prefixStatistics.snapshot() {
            output.append("PREFIX ")
            prefix.withUnsafeBytes { output.append($0) }
            for (name, value) in [(" get ", counts.gets), (" hit ", counts.hits), (" set ", counts.sets), (" del ", counts.deletes)] {
                output.appendText(name)
                output.appendDecimal(value)
            }
            output.append("\r\n")
        }
        output.append(ResponseLine.end)
    }
}
