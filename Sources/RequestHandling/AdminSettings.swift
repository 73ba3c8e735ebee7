/// memcached's operator switches (`-A`, `-F`, `-W`, `-D`) and the settings this server accepts from
/// memcached command lines without having their machinery, kept so `stats settings` prints what
/// memcached would. README's flag table says which of them are no-ops and why.
public struct AdminSettings: Sendable {
    /// `-A`: the text `shutdown` command stops the server.
    public var shutdownEnabled = false
    /// `-F` turns this off: `flush_all` is refused.
    public var flushEnabled = true
    /// `-W` turns this off: `watch` is refused.
    public var watchEnabled = true
    /// `-D <char>`: the key prefix delimiter of `stats detail`; giving it turns detail on.
    public var prefixDelimiter: UInt8 = UInt8(ascii: ":")
    public var detailEnabled = false

    // Accepted, shown in `stats settings`, no effect here.
    /// `-o maxconns_fast` (the default) / `no_maxconns_fast`: this server always refuses a connection
    /// over `-c` at once.
    public var maxconnsFast = true
    /// `-o slab_reassign` / `no_slab_reassign`.
    public var slabReassign = true
    /// `-o tail_repair_time`: this server never frees a referenced item from under its reader.
    public var tailRepairTime = 0
    /// `-o hash_algorithm`: the hash table has its own hash function.
    public var hashAlgorithm = "murmur3"
    /// `-o watcher_logbuf_size` / `worker_logbuf_size`, in bytes (given in kilobytes): no logger.
    public var watcherLogBufferSize = 256 * 1024
    public var workerLogBufferSize = 64 * 1024
    /// `-o slab_automove_freeratio` (an extstore setting in memcached).
    public var slabAutomoveFreeRatio = 0.01
    /// `-N`: NAPI ids (busy-polling receive queues); nil when not given.
    public var napiIDs: Int? = nil
    /// `-e`: memcached's restartable-cache memory file; not used here (warm restart is not implemented).
    public var memoryFile: String? = nil

    public init() {}
}
