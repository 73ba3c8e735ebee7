/// Every flag bit of an item header, in one place (the layout is in Item.swift).
///
///     byte 25 (slab class)  bits 0-6  class id of the chunk (at most 127 classes)
///                           bit 7     pinned: a response sends the item in place (see PinTable)
///     byte 26 (state)       bit 0     linked: in the hash table and a queue
///                           bit 1     fetched since stored
///                           bit 2     stale (meta `md I`: served with the X flag)
///                           bit 3     win token sent (meta W; other clients get Z)
///                           bit 4     key is binary (meta b flag: replies base64-encode it)
///                           bits 5-7  the eviction policy's own (table below)
///     byte 27 (layout)      bit 0     client flags stored (they are non-zero), after the CAS if any
///                           bit 1     chunked: a chain link is stored just before the key
///                           bits 2-5  dataOffset itself (28...44; a multiple of 4, so bits 0-1 are free)
///                           bit 6     CAS stored, at byte 28 (every item when CAS is on, none with -C)
///                           bit 7     unused
///
/// Byte 27 keeps the offset whole so that `dataOffset`, read on every get, is one AND; the bits say
/// which of the optional parts (cas 8, flags 4, chain 4, in that order from byte 28) lie before it.
/// They are written once, by `Item.initialize`, and never change while the chunk holds the item.
///
/// The eviction policy's bits 5-7 of byte 26:
///
///     policy     bit 5           bit 6           bit 7
///     s3fifo     in main queue   read count (0...3, bits 6-7)
///     segmented  segment (hot 0, warm 1, cold 2, temp 3; bits 5-6)    active (fetched again)
///     lru        unused (one queue)
///
/// The low bits of 5-7 that name the item's queue are the policy's `queueMask` (`LRULists.queue(of:)`
/// reads them for every policy); the rest mean what the policy says. One engine runs one policy,
/// so the meanings never mix. The state byte belongs to the item's stripe; bits that name a queue
/// are written only with the class's LRU lock held as well.
enum ItemFlags {
    /// Byte 25.
    static let classMask: UInt8 = 0x7f
    static let pinned: UInt8 = 0x80

    /// Byte 27.
    static let flagsStored: UInt8 = 0x01
    static let chained: UInt8 = 0x02
    static let offsetMask: UInt8 = 0x3c
    static let casStored: UInt8 = 0x40
    static let layoutUnused: UInt8 = 0x80

    /// Byte 26.
    static let linked: UInt8 = 1
    static let fetched: UInt8 = 2
    static let stale: UInt8 = 4
    static let tokenSent: UInt8 = 8
    static let binaryKey: UInt8 = 16
    /// Bits 5-7: the policy's (see the table above).
    static let policyShift: UInt8 = 5
    static let policyMask: UInt8 = 0xe0
    /// S3-FIFO's read count, bits 6-7.
    static let frequencyShift: UInt8 = 6
    /// Segmented LRU's active mark (memcached's ITEM_ACTIVE).
    static let active: UInt8 = 0x80
}

extension Item {
    @inline(__always) private func flag(_ mask: UInt8) -> Bool { state & mask != 0 }
    @inline(__always) private func setFlag(_ mask: UInt8, _ on: Bool) { state = on ? state | mask : state & ~mask }

    var isLinked: Bool {
        @inline(__always) get { flag(ItemFlags.linked) }
        @inline(__always) nonmutating set { setFlag(ItemFlags.linked, newValue) }
    }
    var wasFetched: Bool {
        @inline(__always) get { flag(ItemFlags.fetched) }
        @inline(__always) nonmutating set { setFlag(ItemFlags.fetched, newValue) }
    }
    var isStale: Bool {
        get { flag(ItemFlags.stale) }
        nonmutating set { setFlag(ItemFlags.stale, newValue) }
    }
    var winTokenSent: Bool {
        get { flag(ItemFlags.tokenSent) }
        nonmutating set { setFlag(ItemFlags.tokenSent, newValue) }
    }
    var keyIsBinary: Bool {
        get { flag(ItemFlags.binaryKey) }
        nonmutating set { setFlag(ItemFlags.binaryKey, newValue) }
    }

    /// The queue the item is linked in, as the bits of `queueMask` (a policy's) name it.
    @inline(__always)
    func queueIndex(_ queueMask: UInt8) -> Int { Int((state & queueMask) >> ItemFlags.policyShift) }

    @inline(__always)
    func setQueueIndex(_ index: Int, _ queueMask: UInt8) {
        state = (state & ~queueMask) | (UInt8(truncatingIfNeeded: index << Int(ItemFlags.policyShift)) & queueMask)
    }

    /// S3-FIFO: reads since the item was queued or last spared, saturating at 3.
    var frequency: Int {
        @inline(__always) get { Int(state >> ItemFlags.frequencyShift) }
        @inline(__always) nonmutating set {
            state = (state & ~(3 << ItemFlags.frequencyShift)) | UInt8(min(newValue, 3) << Int(ItemFlags.frequencyShift))
        }
    }

    /// Segmented LRU: fetched again since it was last moved (memcached's ITEM_ACTIVE).
    var isActive: Bool {
        @inline(__always) get { flag(ItemFlags.active) }
        @inline(__always) nonmutating set { setFlag(ItemFlags.active, newValue) }
    }
}
