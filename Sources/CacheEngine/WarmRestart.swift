/// Warm restart (`-e PATH`, memcached's restartable cache). Item memory is the file at PATH mapped
/// shared (ArenaMapping.swift): the items outlive the process. A graceful stop (SIGUSR1) saves
/// `PATH.meta` (WarmRestartMeta.swift) once every thread is stopped; the next start with the same
/// settings reads it, removes it, walks the queues it names through the file (RestartWalk.swift) and
/// rebuilds what lives outside the file: the hash table, the queues' links and counts, the free lists
/// and per-class figures, the CAS counter, the flush horizon and the clock. Anything amiss, from a
/// missing meta file to one bad reference, leaves the cache empty and says why.
enum WarmRestart {
    /// The meta file of the last graceful stop, checked against the running settings; nil without
    /// `-e`. The file is removed once read, whatever it held: the memory it describes is about to
    /// change, so no later start may trust it (memcached does the same).
    static func readMeta(_ configuration: EngineConfiguration, layout: ArenaLayout,
                         sizes: SlabSizeClasses) -> Result<WarmRestartMeta, WarmRestartRefusal>? {
        guard let path = configuration.memoryFile else { return nil }
        let file = RestartMetaFile(memoryFile: path)
        let limits = RestartLimits(totalPages: layout.totalPages, largestClass: sizes.largestClass, queuesPerClass: LRUQueue.count)
        defer { file.remove() }
        do throws(WarmRestartRefusal) {
            let bytes = try file.read(limit: limits.fileSizeLimit)
            let running = RestartSettings.entries(configuration, layout: layout, chunkSizes: sizes.chunkSizes)
            return .success(try WarmRestartMeta.parse(bytes, running: running, limits: limits))
        } catch {
            return .failure(error)
        }
    }

    /// The arena's memory: the file (kept only when a meta file vouches for it) or anonymous memory.
    static func mapping(_ configuration: EngineConfiguration, layout: ArenaLayout, keepContents: Bool) -> ArenaMapping {
        guard let path = configuration.memoryFile else { return .anonymous(bytes: layout.bytes) }
        do throws(MemoryFileError) {
            return try .file(path, bytes: layout.bytes, keepContents: keepContents)
        } catch {
            // The executable opens the file before the engine (CacheEngine.checkMemoryFile), so this is
            // a file that went away or a full file system since.
            fatalError("swiftcached: \(error)")
        }
    }
}

extension CacheEngine {
    /// Whether `-e PATH` can be opened for reading and writing (created if missing), before the
    /// engine starts: memcached refuses to start without its memory file.
    public static func checkMemoryFile(_ path: String) throws(MemoryFileError) {
        try ArenaMapping.checkFile(path)
    }

    /// Start-up, before any engine thread runs: takes back the items the meta file describes, or
    /// leaves the engine empty (and the memory file zeroed) with the reason.
    func restore(_ saved: Result<WarmRestartMeta, WarmRestartRefusal>?) -> WarmRestartOutcome {
        guard let saved else { return .off }
        do throws(WarmRestartRefusal) {
            return try restore(saved.get())
        } catch {
            oldestLive.store(0, ordering: .relaxed)
            oldestCAS.store(0, ordering: .relaxed)
            arena.mapping.discardContents()
            return .startedEmpty(reason: error.message)
        }
    }

    private func restore(_ meta: WarmRestartMeta) throws(WarmRestartRefusal) -> WarmRestartOutcome {
        oldestLive.store(meta.oldestLive, ordering: .relaxed)
        oldestCAS.store(meta.oldestCAS, ordering: .relaxed)
        let now = clock.now
        var walk = RestartWalk(arena: arena, sizes: sizes, owners: meta.owners, withCAS: withCAS,
                               itemSizeMax: configuration.itemSizeMax, queueMask: lrus.queueMask) { [unowned self] item in
            self.isDead(item, now: now)
        }
        let queues = try walk.collect(meta.queues)
        arena.adoptPages(meta.owners)
        var restored = 0
        var duplicates = 0
        var highestCAS = meta.casCounter
        for queue in queues {
            // Tail first: each item goes to the head of its queue, so the order comes out as it was.
            for reference in queue.references.reversed() {
                let item = arena.item(reference)
                guard relink(item) else {
                    walk.release(item)
                    duplicates += 1
                    continue
                }
                restored += 1
                highestCAS = max(highestCAS, item.cas)
            }
        }
        let claims = walk.claims
        // Pool pages (owner 0) went back to the pool with `adoptPages`; they hold no chunks.
        for (page, owner) in meta.owners.enumerated() where owner != 0 {
            slabs.adoptPage(arena.base + page * arena.pageSize, classID: Int(owner)) { chunk in
                claims.isClaimed(claims.bit(page: page, chunk: chunk))
            }
        }
        casCounter.store(highestCAS, ordering: .relaxed)
        return .restored(items: restored, dropped: walk.dropped + duplicates)
    }

    /// Puts an item found in the memory file back in the hash table and its queue (the queue its
    /// state byte names). False for a key met already: the file contradicts itself, the later copy goes.
    private func relink(_ item: Item) -> Bool {
        let hash = KeyHash.hash(item.key)
        guard table.find(item.key, hash: hash) == nil else { return false }
        item.isPinned = false  // no reader survived the stop
        table.insert(item, hash: hash)
        lrus.insert(item)
        return true
    }

    /// The graceful stop's part (SIGUSR1), once no other thread uses the engine: the memory file's
    /// pages written back and the meta file saved. False when the meta file could not be written.
    func saveForRestart() -> Bool {
        guard let path = configuration.memoryFile else { return true }
        var queues: [WarmRestartMeta.Queue] = []
        for classID in 1..<lrus.classCount {
            for queue in LRUQueue.all where lrus.queueCount(classID, queue) > 0 {
                queues.append(.init(classID: classID, queue: queue.index, head: lrus.queueHead(classID, queue),
                                    count: lrus.queueCount(classID, queue)))
            }
        }
        let owners = arena.ownersSnapshot()
        let meta = WarmRestartMeta(settings: RestartSettings.entries(configuration, layout: arena.layout, chunkSizes: sizes.chunkSizes),
                                   processStarted: clock.processStarted, now: clock.now,
                                   casCounter: casCounter.load(ordering: .relaxed),
                                   oldestLive: oldestLive.load(ordering: .relaxed), oldestCAS: oldestCAS.load(ordering: .relaxed),
                                   owners: owners, queues: queues)
        arena.mapping.flush(upTo: owners.count * arena.pageSize)
        return RestartMetaFile(memoryFile: path).write(meta.encoded())
    }
}
