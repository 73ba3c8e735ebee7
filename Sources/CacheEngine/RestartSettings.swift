/// The settings that decide where items lie in the memory file and how their headers read. A warm
/// restart goes ahead only if every one is what the file was written with; otherwise the cache
/// starts empty and says which setting changed (memcached's rule: same -m, -I, -n, -f, ...).
enum RestartSettings {
    struct Entry: Equatable {
        let name: String
        let value: String
    }

    /// The entries of the running engine, in the order the meta file lists them.
    static func entries(_ configuration: EngineConfiguration, layout: ArenaLayout, chunkSizes: [Int]) -> [Entry] {
        [
            Entry(name: "memory_limit", value: "\(configuration.memoryLimit)"),                // -m
            Entry(name: "item_size_max", value: "\(configuration.itemSizeMax)"),               // -I
            Entry(name: "chunk_size", value: "\(configuration.chunkSizeMin)"),                 // -n
            Entry(name: "growth_factor", value: "\(configuration.growthFactor)"),              // -f
            Entry(name: "slab_chunk_max", value: "\(configuration.slabChunkMax)"),
            Entry(name: "slab_page_size", value: "\(layout.pageSize)"),
            Entry(name: "use_cas", value: configuration.casEnabled ? "yes" : "no"),            // -C
            Entry(name: "eviction_policy", value: configuration.evictionPolicy.rawValue),
            // cache_memlimit's room (none with -k) sizes the file and, with it, the alignment.
            Entry(name: "reserved_pages", value: "\(layout.pageCount)+\(layout.firstPageAllowance)"),
            Entry(name: "alignment_shift", value: "\(layout.shift)"),
            Entry(name: "chunk_sizes", value: chunkSizes.dropFirst().map(String.init).joined(separator: ",")),
        ]
    }

    /// The first setting that differs between a saved list and the running one, as a refusal.
    static func firstDifference(saved: [Entry], running: [Entry]) -> WarmRestartRefusal? {
        for (index, current) in running.enumerated() {
            guard index < saved.count, saved[index].name == current.name else {
                return .corrupt("the settings are not the expected ones (\(current.name))")
            }
            if saved[index].value != current.value {
                return .incompatible(setting: current.name, saved: saved[index].value, running: current.value)
            }
        }
        return saved.count == running.count ? nil : .corrupt("unexpected settings")
    }
}
