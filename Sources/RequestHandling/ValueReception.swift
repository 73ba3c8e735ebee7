import CacheEngine

/// The data block of a store command, copied into its pending item as it arrives, possibly over
/// many calls: `valueLength` bytes of value, then two bytes that must be `\r\n`.
struct ValueReception: DataBlockReception {
    let item: PendingItem
    /// Where the next value bytes go (across chunks for a chunked item).
    private var writer: ValueWriter
    let mode: StoreMode
    let compareCAS: UInt64
    /// memcached keeps the store's `noreply` until the block is complete.
    let noreply: Bool
    /// Set for an `ms`: the block is then stored and answered by meta rules.
    var meta: MetaStoreOptions? = nil
    private(set) var received = 0
    private var terminator: (UInt8, UInt8) = (0, 0)

    init(item: PendingItem, mode: StoreMode, compareCAS: UInt64, noreply: Bool) {
        self.item = item
        writer = item.makeWriter()
        self.mode = mode
        self.compareCAS = compareCAS
        self.noreply = noreply
    }

    var valueLength: Int { item.valueLength }
    var isComplete: Bool { received == valueLength + 2 }
    /// The block ended in `\r\n` (memcached checks only those two bytes, after reading all).
    var isWellTerminated: Bool { terminator == (0x0D, 0x0A) }

    /// Takes what it can of the block from `input[start...]`; returns the bytes taken.
    mutating func receive(from input: UnsafeRawBufferPointer, at start: Int) -> Int {
        var position = start
        if received < valueLength, position < input.count, let source = input.baseAddress {
            let count = min(valueLength - received, input.count - position)
            writer.write(UnsafeRawBufferPointer(start: source + position, count: count))
            received += count
            position += count
        }
        while received >= valueLength && !isComplete && position < input.count {
            if received == valueLength { terminator.0 = input[position] } else { terminator.1 = input[position] }
            received += 1
            position += 1
        }
        return position - start
    }
}
