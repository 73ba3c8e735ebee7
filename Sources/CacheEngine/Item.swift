#if canImport(Glibc)
import Glibc
#endif

/// One cached item: a header, the key and the value, laid out in a single slab chunk. There is no
/// Swift object per item; `Item` is a typed view of the chunk's address.
///
///     offset size field
///      0     4   hashNext     reference of the next item in the same hash bucket (0 = none)
///      4     4   lruPrev      reference of the previous (more recently used) item in the class LRU
///      8     4   lruNext      reference of the next (less recently used) item
///     12     4   expiry       relative seconds; 0 = never
///     16     4   lastAccess   relative seconds of the last store or fetch
///     20     4   valueLength  bytes of value
///     24     1   keyLength    1...250
///     25     1   slabClass    class id of the chunk and the pinned bit (see ItemFlags.swift)
///     26     1   state        flag bits: linked, fetched, meta's, and bits 5-7 the eviction
///                             policy's own (all defined in ItemFlags.swift)
///     27     1   layout       bits 2-5: dataOffset, where the key starts (28...44, a multiple of 4);
///                             bits 0, 1, 6: which optional parts below are stored (ItemFlags.swift)
///     28     …   optional parts, each only when stored, in this order from byte 28:
///                  cas          8  when CAS is enabled (not with -C); 4-aligned, read unaligned
///                  clientFlags  4  only when the client's flags are non-zero (0 is read back as 0)
///                  chain        4  chunked items only: reference of the first value chunk (ChunkedItem.swift)
///     dataOffset …   key, then value (no "\r\n" stored)
///
/// So the header is 36 bytes with CAS and flags 0 (40 with flags), 28 with -C and flags 0 (32 with flags), as
/// memcached leaves its 4 flag bytes out when they are 0 (ITEM_ntotal): most clients never set them.
/// `dataOffset` stays a stored value (one AND on every get) rather than a sum of the bits; the bits
/// say where each optional part lies, and a warm restart checks that the two agree.
///
/// References are 32-bit (see `SlabArena`): half the size of pointers in memcached's header.
/// The chunk's fields are read and written only under the lock stripe of the item's key hash,
/// except the LRU links, which belong to the class LRU lock.
@usableFromInline
struct Item {
    /// The fixed part (bytes 0-27); the optional parts follow it.
    static let headerSize = 28
    static let casSize = 8
    static let flagsSize = 4

    let raw: UnsafeMutableRawPointer

    @inline(__always) init(_ raw: UnsafeMutableRawPointer) { self.raw = raw }

    @inline(__always) private func u32(_ offset: Int) -> UInt32 { raw.load(fromByteOffset: offset, as: UInt32.self) }
    @inline(__always) private func setU32(_ offset: Int, _ value: UInt32) { raw.storeBytes(of: value, toByteOffset: offset, as: UInt32.self) }
    @inline(__always) private func u8(_ offset: Int) -> UInt8 { raw.load(fromByteOffset: offset, as: UInt8.self) }
    @inline(__always) private func setU8(_ offset: Int, _ value: UInt8) { raw.storeBytes(of: value, toByteOffset: offset, as: UInt8.self) }

    var hashNext: UInt32 {
        @inline(__always) get { u32(0) }
        @inline(__always) nonmutating set { setU32(0, newValue) }
    }
    var lruPrev: UInt32 {
        @inline(__always) get { u32(4) }
        @inline(__always) nonmutating set { setU32(4, newValue) }
    }
    var lruNext: UInt32 {
        @inline(__always) get { u32(8) }
        @inline(__always) nonmutating set { setU32(8, newValue) }
    }
    var expiry: UInt32 {
        @inline(__always) get { u32(12) }
        @inline(__always) nonmutating set { setU32(12, newValue) }
    }
    var lastAccess: UInt32 {
        @inline(__always) get { u32(16) }
        @inline(__always) nonmutating set { setU32(16, newValue) }
    }
    var valueLength: Int {
        @inline(__always) get { Int(u32(20)) }
        @inline(__always) nonmutating set { setU32(20, UInt32(newValue)) }
    }
    var keyLength: Int {
        @inline(__always) get { Int(u8(24)) }
        @inline(__always) nonmutating set { setU8(24, UInt8(newValue)) }
    }
    var slabClass: Int {
        @inline(__always) get { Int(u8(25) & ItemFlags.classMask) }
        @inline(__always) nonmutating set { setU8(25, (u8(25) & ~ItemFlags.classMask) | UInt8(newValue)) }
    }
    /// Some response still sends this item's bytes (`PinTable` counts the readers): it may be
    /// unlinked, but its chunks are not reused until the last reader lets go. Written under the stripe.
    var isPinned: Bool {
        @inline(__always) get { u8(25) & ItemFlags.pinned != 0 }
        @inline(__always) nonmutating set { setU8(25, newValue ? u8(25) | ItemFlags.pinned : u8(25) & ~ItemFlags.pinned) }
    }
    /// The flag bits of ItemFlags.swift.
    var state: UInt8 {
        @inline(__always) get { u8(26) }
        @inline(__always) nonmutating set { setU8(26, newValue) }
    }
    /// Byte 27: the key's offset and which optional parts are stored (ItemFlags.swift).
    var layout: UInt8 { @inline(__always) get { u8(27) } }
    /// Where the key starts (bits 2-5 of byte 27). Written only by `initialize`, with the layout bits.
    var dataOffset: Int { @inline(__always) get { Int(u8(27) & ItemFlags.offsetMask) } }
    var hasCAS: Bool { @inline(__always) get { u8(27) & ItemFlags.casStored != 0 } }
    /// Whether the client's flags are stored (they are non-zero).
    var hasClientFlags: Bool { @inline(__always) get { u8(27) & ItemFlags.flagsStored != 0 } }
    /// The client's flags: 0 when none are stored. They follow the CAS when there is one
    /// (`casStored` is bit 6, so shifted right by 3 it is the CAS's 8 bytes).
    var clientFlags: UInt32 {
        @inline(__always) get {
            let layout = u8(27)
            guard layout & ItemFlags.flagsStored != 0 else { return 0 }
            return u32(Item.headerSize + Int((layout & ItemFlags.casStored) &>> 3))
        }
    }
    /// At byte 28, which is 4-aligned only: read and written unaligned (fine on x86-64 and arm64).
    var cas: UInt64 {
        @inline(__always) get { hasCAS ? raw.loadUnaligned(fromByteOffset: Item.headerSize, as: UInt64.self) : 0 }
        @inline(__always) nonmutating set { if hasCAS { raw.storeBytes(of: newValue, toByteOffset: Item.headerSize, as: UInt64.self) } }
    }

    var keyPointer: UnsafeMutableRawPointer { raw + dataOffset }
    var key: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: raw + dataOffset, count: keyLength) }
    /// Where the value starts (in the item's own chunk, also for a chunked item).
    var valuePointer: UnsafeMutableRawPointer { raw + dataOffset + keyLength }
    /// The whole value of an item in one chunk. Never use it on a chunked item: see `ItemValue`.
    var value: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: valuePointer, count: valueLength) }

    /// Bytes this item uses (what `stats` counts as `bytes`): header, key and value (a chunked item's
    /// 4-byte links are not counted).
    var totalSize: Int { dataOffset + keyLength + valueLength }

    /// memcached's own size of this item (ITEM_ntotal: 48-byte header, CAS, key + 1, flags when
    /// non-zero, value + "\r\n"). `me`, `lru_crawler metadump` and `stats sizes` report it, so
    /// their figures are the ones memcached users know although this item is smaller.
    var memcachedSize: Int {
        Item.memcachedSize(keyLength: keyLength, flags: clientFlags, valueLength: valueLength, withCAS: hasCAS)
    }

    static func memcachedSize(keyLength: Int, flags: UInt32, valueLength: Int, withCAS: Bool) -> Int {
        48 + (withCAS ? 8 : 0) + keyLength + 1 + (flags == 0 ? 0 : 4) + valueLength + 2
    }

    /// Bytes of the header with these optional parts: the fixed 28, CAS, flags, chain link.
    @inline(__always)
    static func headerSize(withCAS: Bool, storesFlags: Bool, chunked: Bool) -> Int {
        headerSize + (withCAS ? casSize : 0) + (storesFlags ? flagsSize : 0) + (chunked ? ChunkedItem.linkSize : 0)
    }

    /// The header an item with these client flags gets: flags 0 are not stored.
    @inline(__always)
    static func headerSize(flags: UInt32, withCAS: Bool, chunked: Bool = false) -> Int {
        headerSize(withCAS: withCAS, storesFlags: flags != 0, chunked: chunked)
    }

    /// Bytes an item of one chunk needs: header (CAS and flags when stored), key and value.
    static func size(keyLength: Int, valueLength: Int, flags: UInt32, withCAS: Bool) -> Int {
        headerSize(flags: flags, withCAS: withCAS) + keyLength + valueLength
    }

    @inline(__always)
    func keyEquals(_ other: UnsafeRawBufferPointer) -> Bool {
        keyLength == other.count && memcmp(raw + dataOffset, other.baseAddress!, other.count) == 0
    }

    /// Writes a fresh header and the key; the value is filled by the caller. A chunked item's chain
    /// reference is set by the allocator afterwards. Flags 0 are not stored (see the layout).
    func initialize(slabClass: Int, key: UnsafeRawBufferPointer, valueLength: Int, flags: UInt32, expiry: UInt32, now: UInt32,
                    withCAS: Bool, chunked: Bool = false) {
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: Item.headerSize)
        self.slabClass = slabClass
        var layout = UInt8(Item.headerSize(flags: flags, withCAS: withCAS, chunked: chunked))
        if withCAS { layout |= ItemFlags.casStored }
        if flags != 0 { layout |= ItemFlags.flagsStored }
        if chunked { layout |= ItemFlags.chained }
        setU8(27, layout)
        self.keyLength = key.count
        self.valueLength = valueLength
        self.expiry = expiry
        self.lastAccess = now
        if withCAS { raw.storeBytes(of: UInt64(0), toByteOffset: Item.headerSize, as: UInt64.self) }
        if flags != 0 { setU32(Item.headerSize + (withCAS ? Item.casSize : 0), flags) }
        keyPointer.copyMemory(from: key.baseAddress!, byteCount: key.count)
    }

    func isExpired(now: UInt32) -> Bool {
        let expiry = self.expiry
        return expiry != 0 && expiry <= now
    }
}
