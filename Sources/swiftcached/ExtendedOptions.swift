import CacheEngine
import Networking
import RequestHandling
#if canImport(Glibc)
import Glibc
#endif

/// What `-o` sets: a comma-separated list of `name` or `name=value`, as memcached's `-o`.
struct ExtendedOptions {
    var hashPower: Int?
    var idleTimeout: Int?
    /// `read_buf_mem_limit=MEGABYTES`, kept in bytes.
    var readBufferMemoryLimit: Int?
    var slabChunkMax: Int?
    /// `slab_automove=0|1|2`.
    var slabAutomove: Int?
    /// `slab_automove_ratio=R` (0 < R <= 1) and `slab_automove_window=SECONDS` (> 2), memcached's checks.
    var slabAutomoveRatio: Double?
    var slabAutomoveWindow: Int?
    /// `eviction_policy=s3fifo|segmented|lru` (swiftcached's own option); `lru_segmented` means segmented.
    var evictionPolicy: EvictionPolicy?
    /// The segmented LRU's limits and maintainer (`hot_lru_pct` … `no_lru_maintainer`), memcached's defaults.
    var segmentedLRU = SegmentedLRUSettings()
    /// `lru_crawler` / `no_lru_crawler` (the last one given wins, as in memcached).
    var lruCrawler: Bool?
    /// `lru_crawler_sleep=MICROSECONDS` (0...1000000) and `lru_crawler_tocrawl=N`.
    var lruCrawlerSleep: UInt32?
    var lruCrawlerToCrawl: UInt32?
    /// `track_sizes`: the `stats sizes` histogram from the start.
    var trackSizes = false
    /// The `ssl_…` options (ExtendedOptions+TLS.swift); `-Z` turns TLS on.
    var tls = TLSSettings()
    /// What the compatibility options set (ExtendedOptions+Compatibility.swift).
    var admin = AdminSettings()
    /// Options memcached knows that this server accepts and ignores (it has no such machinery).
    var ignored: [String] = []

    /// memcached options with no effect here and nothing to show, accepted so existing command lines
    /// keep working (`drop_privileges`: memcached's seccomp sandbox).
    static let ignorable: Set<String> = ["modern", "no_hashexpand", "drop_privileges", "no_drop_privileges"]

    /// Parses every `-o` argument given; the message says which option was wrong and why.
    static func parse(_ arguments: [String]) throws(CommandLineError) -> ExtendedOptions {
        var options = ExtendedOptions()
        for argument in arguments {
            for item in argument.split(separator: ",", omittingEmptySubsequences: true) {
                try options.apply(String(item))
            }
        }
        try options.validateSegmentedLRU()
        return options
    }

    private mutating func apply(_ item: String) throws(CommandLineError) {
        let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        let value = parts.count > 1 ? String(parts[1]) : nil
        switch name {
        case "hashpower":
            let power = try Self.integer(value, option: name)
            guard power >= 12 else { throw CommandLineError("Initial hashtable multiplier of \(power) is too low") }
            guard power <= 32 else {
                throw CommandLineError("Initial hashtable multiplier of \(power) is too high\n"
                    + "Choose a value based on \"STAT hash_power_level\" from a running instance")
            }
            hashPower = power
        case "idle_timeout":
            let seconds = try Self.integer(value, option: name)
            guard seconds >= 0 else { throw CommandLineError("idle_timeout must not be negative") }
            idleTimeout = seconds
        case "read_buf_mem_limit":
            // memcached: an unsigned 32-bit number of megabytes (safe_strtoul), no sign.
            guard let value else { throw CommandLineError("Missing read_buf_mem_limit argument") }
            guard !value.hasPrefix("-"), let megabytes = UInt32(value) else {
                throw CommandLineError("could not parse argument to read_buf_mem_limit")
            }
            readBufferMemoryLimit = Int(megabytes) << 20
        case "slab_chunk_max":
            // Plain bytes, as memcached reads it (a 32-bit integer, no k/m suffix); the range checks
            // come later, with -I (SwiftcachedCommand+Settings.swift).
            guard let value else { throw CommandLineError("Missing slab_chunk_max argument") }
            guard let size = Int32(value) else { throw CommandLineError("could not parse argument to slab_chunk_max") }
            slabChunkMax = Int(size)
        case "slab_automove":
            let level = try Self.integer(value ?? "1", option: name)
            guard (0...2).contains(level) else { throw CommandLineError("slab_automove must be 0, 1 or 2") }
            slabAutomove = level
        case "slab_automove_ratio":
            guard let value else { throw CommandLineError("Missing slab_automove_ratio argument") }
            // memcached reads it with atof (garbage is 0) and refuses <= 0 or > 1.
            let ratio = Double(value) ?? 0
            guard ratio > 0, ratio <= 1 else { throw CommandLineError("slab_automove_ratio must be > 0 and < 1") }
            slabAutomoveRatio = ratio
        case "slab_automove_window":
            guard let value else { throw CommandLineError("Missing slab_automove_window argument") }
            let window = Int(value) ?? 0  // atoi
            guard window >= 3 else { throw CommandLineError("slab_automove_window must be > 2") }
            slabAutomoveWindow = window
        case "eviction_policy":
            guard let value, let policy = EvictionPolicy(rawValue: value) else {
                let choices = EvictionPolicy.allCases.map(\.rawValue).joined(separator: ", ")
                throw CommandLineError("eviction_policy must be one of: \(choices)")
            }
            evictionPolicy = policy
        case "lru_segmented":
            evictionPolicy = .segmented
        case "lru_maintainer":
            segmentedLRU.maintainer = true
        case "no_lru_maintainer":
            segmentedLRU.maintainer = false
        case "hot_lru_pct", "warm_lru_pct", "hot_max_factor", "warm_max_factor", "temporary_ttl":
            try applySegmentedLRU(name, value)
        case "lru_crawler":
            lruCrawler = true
        case "no_lru_crawler":
            lruCrawler = false
        case "lru_crawler_sleep":
            guard let value else { throw CommandLineError("Missing lru_crawler_sleep value") }
            // memcached reads it with atoi: leading digits, anything else ends the number.
            let microseconds = Int(value.prefix { $0.isASCII && $0.isNumber }.prefix(10)) ?? 0
            guard !value.hasPrefix("-"), microseconds <= 1_000_000 else {
                throw CommandLineError("LRU crawler sleep must be between 0 and 1 second")
            }
            lruCrawlerSleep = UInt32(microseconds)
        case "lru_crawler_tocrawl":
            guard let value else { throw CommandLineError("Missing lru_crawler_tocrawl value") }
            guard let count = UInt32(value) else {
                throw CommandLineError("lru_crawler_tocrawl takes a numeric 32bit value")
            }
            lruCrawlerToCrawl = count
        case "track_sizes":
            trackSizes = true
        case _ where Self.ignorable.contains(name):
            ignored.append(name)
        case _ where name.hasPrefix("ssl_"):
            guard try applyTLS(name, value) else { throw CommandLineError("Illegal suboption \"\(item)\"", exitCode: 1) }
        default:
            guard try applyCompatibility(name, value) else { throw CommandLineError("Illegal suboption \"\(item)\"") }
        }
    }

    /// memcached's checks and messages (its `atoi` / `atof` leniency: unparsable text reads as 0).
    private mutating func applySegmentedLRU(_ name: String, _ value: String?) throws(CommandLineError) {
        guard let value else { throw CommandLineError("Missing \(name) argument") }
        switch name {
        case "hot_lru_pct", "warm_lru_pct":
            let percent = Int(atoi(value))
            guard percent >= 1, percent < 80 else { throw CommandLineError("\(name) must be > 1 and < 80") }
            if name == "hot_lru_pct" { segmentedLRU.hotPercent = UInt32(percent) } else { segmentedLRU.warmPercent = UInt32(percent) }
        case "hot_max_factor", "warm_max_factor":
            let factor = atof(value)
            guard factor > 0 else { throw CommandLineError("\(name) must be > 0") }
            if name == "hot_max_factor" { segmentedLRU.hotMaxFactor = factor } else { segmentedLRU.warmMaxFactor = factor }
        default:
            segmentedLRU.temporaryTTL = UInt32(truncatingIfNeeded: Int32(truncatingIfNeeded: atoi(value)))
        }
    }

    /// The checks memcached makes once all options are read. The temp segment needs the segmented
    /// policy's maintainer (memcached: the maintainer thread, which is what segments its LRU).
    private func validateSegmentedLRU() throws(CommandLineError) {
        guard segmentedLRU.hotPercent + segmentedLRU.warmPercent <= 80 else {
            throw CommandLineError("hot_lru_pct + warm_lru_pct cannot be more than 80% combined")
        }
        if segmentedLRU.temporaryTTL != nil, !(evictionPolicy == .segmented && segmentedLRU.maintainer) {
            throw CommandLineError("temporary_ttl requires lru_maintainer to be enabled"
                + " (and -o eviction_policy=segmented in this server)")
        }
    }

    private static func integer(_ value: String?, option: String) throws(CommandLineError) -> Int {
        guard let value else { throw CommandLineError("Missing numeric argument for \(option)") }
        guard let number = Int(value) else { throw CommandLineError("could not parse argument to \(option): \(value)") }
        return number
    }
}
