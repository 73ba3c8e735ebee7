import AccessControl
import CacheEngine
import Locking
import MemcacheProtocol
import OutputBuffers
#if canImport(Glibc)
import Glibc
#endif

/// A configuration reload (SIGHUP or `config reload` with `--config-file`): the dynamic settings
/// take the file's values at once, through the same entry points as their admin commands
/// (`cache_memlimit`, `verbosity`, `slabs automove`, `lru_crawler`, `lru tune`) or LiveSettings; the
/// static ones that differ from what the server runs with are recorded as pending until restart.
/// Reloads are serialized by `reloadLock`; everything that can refuse is checked before anything
/// changes, so a refused reload changes nothing.
extension ServerContext {
    /// `stats settings` names of the settings a reload applies at once (docs/operations.md).
    public static let dynamicSettings: [String] = [
        "maxbytes", "maxconns", "verbosity", "reqs_per_event", "idle_timeout", "flush_enabled",
        "slab_automove", "slab_automove_ratio", "lru_crawler", "lru_crawler_sleep", "lru_crawler_tocrawl",
        "hot_lru_pct", "warm_lru_pct", "hot_max_factor", "warm_max_factor", "allowlist",
    ]

    public var reloadsConfiguration: Bool { settingsSource != nil }

    /// `stats settings`' `pending_restart`: nil without `--config-file`, else the static settings
    /// the last reload found changed, comma separated, or "none".
    var pendingRestart: String? {
        guard settingsSource != nil else { return nil }
        let names = pendingStatic.withLock { $0 }
        return names.isEmpty ? "none" : names.joined(separator: ",")
    }

    /// Re-reads the configuration and applies it; the outcome is also written to stderr (the journal
    /// under systemd), whatever the verbosity: operators look for it there after `systemctl reload`.
    public func reloadConfiguration() -> ReloadOutcome {
        guard let settingsSource else { return .noConfigFile }
        let outcome = reloadLock.withLock { () -> ReloadOutcome in
            switch settingsSource() {
            case .failure(let error): return .refused(reason: error.reason)
            case .success(let reloaded): return apply(reloaded)
            }
        }
        fputs(outcome.logLine + "\n", stderr)
        return outcome
    }

    private func apply(_ reloaded: ReloadedSettings) -> ReloadOutcome {
        let new = reloaded.settings
        if let refusal = memoryLimitRefusal(new.engine.memoryLimit) { return .refused(reason: refusal) }
        if let allowlist = settings.allowlist, case .kept(let reason) = allowlist.reload() {
            return .refused(reason: reason)  // the file was read and refused: the list in force stays
        }
        var changed = applyServerLevel(new)
        changed += applyEngineLevel(new.engine)
        if settings.allowlist?.filePath != nil { changed.append("allowlist") }
        let pending = staticDifferences(from: new) + reloaded.unlistedStaticChanges
        pendingStatic.withLock { $0 = pending }
        return .applied(changed: changed, pending: pending)
    }

    /// `cache_memlimit`'s bounds: at least 8 MB, at most what was reserved at start-up.
    private func memoryLimitRefusal(_ bytes: Int) -> String? {
        guard bytes != engine.memoryLimit else { return nil }
        if bytes < 8 << 20 { return "-m \(bytes >> 20): cannot set maxbytes to less than 8m" }
        if bytes > engine.maximumMemoryLimit {
            return "-m \(bytes >> 20): beyond the \(engine.maximumMemoryLimit >> 20) megabytes reserved at start-up (restart to raise it further)"
        }
        return nil
    }

    private func applyServerLevel(_ new: ServerSettings) -> [String] {
        var changed = SettingChanges()
        changed.update("maxbytes", engine.memoryLimit, new.engine.memoryLimit) { _ = engine.adjustMemoryLimit(to: $0) }
        changed.update("maxconns", live.maxConnections, new.maxConnections) { live.maxConnections = $0 }
        changed.update("verbosity", verbosity, min(new.verbosity, 2)) { verbosity = $0 }
        changed.update("reqs_per_event", live.requestsPerEvent, max(1, new.requestsPerEvent)) { live.requestsPerEvent = $0 }
        changed.update("idle_timeout", live.idleTimeout, new.idleTimeout) { live.idleTimeout = $0 }
        changed.update("flush_enabled", live.flushEnabled, new.admin.flushEnabled) { live.flushEnabled = $0 }
        return changed.names
    }

    private func applyEngineLevel(_ new: EngineConfiguration) -> [String] {
        var changed = SettingChanges()
        changed.update("slab_automove", engine.slabAutomove, new.slabAutomove) { engine.slabAutomove = $0 }
        changed.update("slab_automove_ratio", engine.slabAutomoveRatio, new.slabAutomoveRatio) { engine.slabAutomoveRatio = $0 }
        changed.update("lru_crawler", engine.lruCrawlerEnabled, new.lruCrawler) { enabled in
            if enabled { _ = engine.enableLRUCrawler() } else { engine.disableLRUCrawler() }
        }
        changed.update("lru_crawler_sleep", engine.lruCrawlerSleep, new.lruCrawlerSleep) { engine.lruCrawlerSleep = $0 }
        changed.update("lru_crawler_tocrawl", engine.lruCrawlerToCrawl, new.lruCrawlerToCrawl) { engine.lruCrawlerToCrawl = $0 }
        let tuning = engine.tuning, wanted = new.segmentedLRU
        let current = [Double(tuning.hotPercent), Double(tuning.warmPercent), tuning.hotMaxFactor, tuning.warmMaxFactor]
        let target = [Double(wanted.hotPercent), Double(wanted.warmPercent), wanted.hotMaxFactor, wanted.warmMaxFactor]
        let names = ["hot_lru_pct", "warm_lru_pct", "hot_max_factor", "warm_max_factor"]
        if current != target {
            tuning.tune(hotPercent: wanted.hotPercent, warmPercent: wanted.warmPercent,
                        hotMaxFactor: wanted.hotMaxFactor, warmMaxFactor: wanted.warmMaxFactor)
            changed.names += names.indices.filter { current[$0] != target[$0] }.map { names[$0] }
        }
        return changed.names
    }

    /// The `stats settings` lines that differ between the settings the server started with and the
    /// candidate's, less the dynamic ones (just applied): rendered by the same reporter, so every
    /// setting `stats settings` shows is covered by name.
    private func staticDifferences(from new: ServerSettings) -> [String] {
        let running = Dictionary(settingsLines(settings).map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        let dynamic = Set(Self.dynamicSettings)
        return settingsLines(new).filter { line in
            !dynamic.contains(line.name) && line.name != "pending_restart" && running[line.name] != line.value
        }.map(\.name)
    }

    private func settingsLines(_ candidate: ServerSettings) -> [StatLine] {
        var output = OutputBuffer(capacity: 8192)
        defer { output.deallocate() }
        StatsReporter(server: self, settings: candidate).writeSettings(into: &output)
        return parseStatLines(output.readableBytes)
    }
}

/// The names of the settings a reload changed, in the order applied.
private struct SettingChanges {
    var names: [String] = []

    /// Sets `wanted` through `set` when it differs from `current`, and records `name`.
    mutating func update<Value: Equatable>(_ name: String, _ current: Value, _ wanted: Value, _ set: (Value) -> Void) {
        guard current != wanted else { return }
        set(wanted)
        names.append(name)
    }
}
