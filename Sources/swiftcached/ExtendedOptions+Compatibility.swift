import CacheEngine
import RequestHandling
#if canImport(Glibc)
import Glibc
#endif

/// The `-o` options of memcached 1.6.18 whose machinery this server lacks: checked with memcached's
/// messages, kept for `stats settings`, otherwise without effect (README); and the families that
/// need a missing feature (extstore, the proxy), refused by name.
extension ExtendedOptions {
    /// False when `name` is none of these options.
    mutating func applyCompatibility(_ name: String, _ value: String?) throws(CommandLineError) -> Bool {
        if let feature = Self.missingFeature(of: name) {
            throw CommandLineError("-o \(name): \(feature) is not supported by this server")
        }
        switch name {
        case "maxconns_fast", "no_maxconns_fast":
            admin.maxconnsFast = name == "maxconns_fast"
        case "slab_reassign", "no_slab_reassign":
            admin.slabReassign = name == "slab_reassign"
        case "no_modern":
            applyNoModern()
        case "tail_repair_time":
            guard let value else { throw CommandLineError("Missing numeric argument for tail_repair_time") }
            let seconds = Int(atoi(value))
            guard seconds >= 10 else { throw CommandLineError("Cannot set tail_repair_time to less than 10 seconds") }
            admin.tailRepairTime = seconds
        case "hash_algorithm":
            guard let value else { throw CommandLineError("Missing hash_algorithm argument") }
            guard ["jenkins", "murmur3", "xxh3"].contains(value) else {
                throw CommandLineError("Unknown hash_algorithm option (jenkins, murmur3, xxh3)")
            }
            admin.hashAlgorithm = value
        case "watcher_logbuf_size":
            admin.watcherLogBufferSize = try Self.kilobytes(value, option: name)
        case "worker_logbuf_size":
            admin.workerLogBufferSize = try Self.kilobytes(value, option: name)
            // memcached 1.6.18 also reads this value as a slab size (its option parser falls through
            // to `slab_sizes`) and refuses what is outside a chunk's range; the same refusal here.
            let kilobytes = admin.workerLogBufferSize / 1024
            guard (48...524_288).contains(kilobytes) else {
                throw CommandLineError("slab size \(kilobytes) is out of valid range")
            }
        case "slab_automove_freeratio":
            guard let value else { throw CommandLineError("Missing slab_automove_freeratio argument") }
            guard let ratio = Double(value) else { throw CommandLineError("could not parse argument to slab_automove_freeratio") }
            admin.slabAutomoveFreeRatio = ratio
        case "sock_cookie_id":
            // memcached crashes on a missing value; any value is accepted (no socket marks here).
            guard value != nil else { throw CommandLineError("Missing sock_cookie_id argument") }
        default:
            return false
        }
        return true
    }

    /// memcached's `no_modern`: its 1.4 defaults. The eviction policy is left alone (README).
    private mutating func applyNoModern() {
        admin.maxconnsFast = false
        admin.slabReassign = false
        admin.hashAlgorithm = "jenkins"
        slabAutomove = 0
        lruCrawler = false
        segmentedLRU.maintainer = false
        if slabChunkMax == nil { slabChunkMax = 1 << 20 }  // unchunked items, up to a whole page
    }

    /// The feature an option belongs to when this server does not have it.
    private static func missingFeature(of name: String) -> String? {
        if name.hasPrefix("ext_") { return "extstore (external storage)" }
        if name.hasPrefix("proxy") { return "the proxy (memcached's proxy mode)" }
        return nil
    }

    /// memcached's `safe_strtoul` of a kilobyte count, kept in bytes.
    private static func kilobytes(_ value: String?, option: String) throws(CommandLineError) -> Int {
        guard let value else { throw CommandLineError("Missing \(option) argument") }
        guard !value.hasPrefix("-"), let kilobytes = UInt32(value) else {
            throw CommandLineError("could not parse argument to \(option)")
        }
        return Int(kilobytes) * 1024
    }
}
