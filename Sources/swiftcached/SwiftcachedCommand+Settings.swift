import CacheEngine
import Networking
import RequestHandling
#if canImport(Glibc)
import Glibc
#endif

/// memcached's item size limits for `-I`.
private let itemSizeMaxLowerLimit = 1024
private let itemSizeMaxUpperLimit = 1024 * 1024 * 1024

extension SwiftcachedCommand {
    /// Turns the flags into settings, refusing what memcached refuses (with its wording where it has one).
    func makeSettings() throws(CommandLineError) -> ServerSettings {
        var settings = ServerSettings()
        try applyNetworkFlags(to: &settings)
        try applyEngineFlags(to: &settings.engine)
        let options = try ExtendedOptions.parse(extended)
        if let idleTimeout = options.idleTimeout { settings.idleTimeout = idleTimeout }
        if let limit = options.readBufferMemoryLimit { settings.readBufferMemoryLimit = limit }
        if let hashPower = options.hashPower { settings.engine.hashPowerInitial = hashPower }
        if let policy = options.evictionPolicy { settings.engine.evictionPolicy = policy }
        settings.engine.segmentedLRU = options.segmentedLRU
        if let automove = options.slabAutomove { settings.engine.slabAutomove = automove }
        if let ratio = options.slabAutomoveRatio { settings.engine.slabAutomoveRatio = ratio }
        if let window = options.slabAutomoveWindow { settings.engine.slabAutomoveWindow = window }
        if let crawler = options.lruCrawler { settings.engine.lruCrawler = crawler }
        if let sleep = options.lruCrawlerSleep { settings.engine.lruCrawlerSleep = sleep }
        if let toCrawl = options.lruCrawlerToCrawl { settings.engine.lruCrawlerToCrawl = toCrawl }
        if options.trackSizes { settings.engine.trackSizes = true }
        settings.admin = options.admin
        try applyTLS(options.tls, to: &settings)
        try operations.apply(to: &settings.admin)
        if operations.lockMemory { settings.engine.memoryLimitGrowthRoom = 0 }
        settings.engine.memoryFile = operations.memoryFile
        try applySlabGeometry(to: &settings.engine, chunkMax: options.slabChunkMax)
        settings.dumpEnabled = !disableDumping
        settings.verbosity = verbose
        settings.libeventVersion = libeventVersion
        if verbose > 0 {
            for name in options.ignored { fputs("-o \(name) has no effect in this server, ignored\n", stderr) }
        }
        return settings
    }

    private func applyNetworkFlags(to settings: inout ServerSettings) throws(CommandLineError) {
        // memcached: -U without -p moves TCP to the UDP port too.
        let port = self.port ?? (udpPort != 0 ? udpPort : 11211)
        // -1 asks for an ephemeral port; other negative ports fail at bind, as in memcached.
        guard port <= 65535, udpPort <= 65535 else {
            throw CommandLineError("ERROR: Invalid port number \(max(port, udpPort)).")
        }
        guard connectionLimit > 0 else { throw CommandLineError("Maximum connections must be greater than 0") }
        guard threads > 0 else { throw CommandLineError("Number of threads must be greater than 0") }
        if threads > 64 {
            fputs("WARNING: Setting a high number of worker threads is not recommended.\n"
                + " Set this value to the number of cores in your machine or less.\n", stderr)
        }
        guard requestsPerEvent > 0 else { throw CommandLineError("Number of requests per event must be greater than 0") }
        guard let mask = Int(unixMask, radix: 8), (0...0o777).contains(mask) else {
            throw CommandLineError("Invalid unix socket mask \"\(unixMask)\": expected an octal mode such as 700")
        }
        for entry in listen where ListenAddress.parseList(entry) == nil {
            throw CommandLineError("Invalid listen address \"\(entry)\"")
        }
        settings.tcpPort = port
        settings.udpPort = udpPort
        settings.portFilePath = getenv("MEMCACHED_PORT_FILENAME").map { String(cString: $0) }
        try protocols.apply(to: &settings)
        settings.unixSocketPath = unixSocket
        settings.unixSocketMask = mask
        settings.listenAddresses = listen
        settings.maxConnections = connectionLimit
        settings.workerThreads = threads
        settings.requestsPerEvent = requestsPerEvent
        settings.backlog = backlog
        settings.allowlist = try access.makeAllowlist()
    }

    /// `-Z` with the `ssl_…` options; memcached's refusal of TLS without a TCP port.
    private func applyTLS(_ tls: TLSSettings, to settings: inout ServerSettings) throws(CommandLineError) {
        settings.tls = tls
        settings.tls.enabled = enableTLS
        if enableTLS, settings.tcpPort == 0 {
            throw CommandLineError("ERROR: You cannot enable SSL without a TCP port.")
        }
    }

    private func applyEngineFlags(to engine: inout EngineConfiguration) throws(CommandLineError) {
        guard growthFactor > 1.0 else { throw CommandLineError("Factor must be greater than 1") }
        guard slabMinSize > 0 else { throw CommandLineError("Chunk size must be greater than 0") }
        guard memoryLimit >= 0 else { throw CommandLineError("Memory limit must not be negative") }
        guard let itemSize = SizeArgument.parse(maxItemSize) else {
            throw CommandLineError("Invalid item size \"\(maxItemSize)\": expected bytes with an optional k or m suffix")
        }
        let memory = memoryLimit * 1024 * 1024
        guard itemSize >= itemSizeMaxLowerLimit else { throw CommandLineError("Item max size cannot be less than 1024 bytes.") }
        guard itemSize <= memory / 2 else { throw CommandLineError("Cannot set item size limit higher than 1/2 of memory max.") }
        guard itemSize <= itemSizeMaxUpperLimit else { throw CommandLineError("Cannot set item size limit higher than a gigabyte.") }
        engine.memoryLimit = memory
        engine.growthFactor = growthFactor
        engine.chunkSizeMin = slabMinSize
        engine.itemSizeMax = itemSize
        engine.evictionsEnabled = !disableEvictions
        engine.casEnabled = !disableCAS
    }

    /// memcached 1.6's slab geometry: 1 MB pages whatever `-I` is; the largest chunk is half a page
    /// unless `-o slab_chunk_max` says otherwise; larger items are chunked. Checked in memcached's order
    /// with its messages; then what memcached accepts but this server cannot use (a zero or negative
    /// size, on which memcached crashes or misbehaves, and a chunk too small for a 250-byte key).
    private func applySlabGeometry(to engine: inout EngineConfiguration, chunkMax: Int?) throws(CommandLineError) {
        engine.slabPageSize = 1024 * 1024
        let chunk = chunkMax ?? engine.slabPageSize / 2
        let itemSize = engine.itemSizeMax
        guard chunk != 0 else { throw CommandLineError("slab_chunk_max must be greater than 0") }
        guard chunk <= itemSize else {
            throw CommandLineError("slab_chunk_max (bytes: \(chunk)) cannot be larger than -I (item_size_max \(itemSize))")
        }
        guard itemSize % chunk == 0 else {
            throw CommandLineError("-I (item_size_max: \(itemSize)) must be evenly divisible by slab_chunk_max (bytes: \(chunk))")
        }
        guard engine.slabPageSize % chunk == 0 else {
            throw CommandLineError("slab_chunk_max (bytes: \(chunk)) must divide evenly into \(engine.slabPageSize) (slab_page_size)")
        }
        guard chunk >= EngineConfiguration.minimumSlabChunkMax else {
            throw CommandLineError("slab_chunk_max (bytes: \(chunk)) must be at least \(EngineConfiguration.minimumSlabChunkMax)")
        }
        engine.slabChunkMax = chunk
    }
}
