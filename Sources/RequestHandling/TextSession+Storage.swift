import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// set / add / replace / append / prepend / cas: memcached's `process_update_command` and
/// `complete_nread_ascii`.
extension TextSession {
    func beginStore(_ mode: StoreMode, in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        _ = takeNoreply(in: bytes)
        guard let key = validKey(in: bytes),
              let flags = ProtocolNumbers.parseUInt32(word(2, in: bytes)),
              let exptime = ProtocolNumbers.parseInt32(word(3, in: bytes)),
              let length = ProtocolNumbers.parseInt32(word(4, in: bytes))
        else {
            return reply(ResponseLine.badCommandLineFormat, into: &output)
        }
        var compareCAS: UInt64 = 0
        if mode == .cas {
            guard let unique = ProtocolNumbers.parseUInt64(word(5, in: bytes)) else {
                return reply(ResponseLine.badCommandLineFormat, into: &output)
            }
            compareCAS = unique
        }
        guard length >= 0, length <= Int32.max - 2 else {
            return reply(ResponseLine.badCommandLineFormat, into: &output)
        }
        let valueLength = Int(length)
        if detailSwitch.isOn { detail.recordSet(key) }
        switch engine.allocate(key: key, flags: flags, exptime: Int64(exptime), valueLength: valueLength) {
        case .allocated(let item):
            state = .receivingValue(ValueReception(item: item, mode: mode, compareCAS: compareCAS, noreply: noreply))
        case .tooLarge:
            counters.add(.storeTooLarge)
            if watchSwitch.isOn(.mutations) { logRefusedStore(key, .tooLarge, mode) }
            refuseStore(mode, key: key, valueLength: valueLength, answer: ResponseLine.objectTooLarge)
        case .outOfMemory:
            counters.add(.storeNoMemory)
            if watchSwitch.isOn(.mutations) { logRefusedStore(key, .outOfMemory, mode) }
            refuseStore(mode, key: key, valueLength: valueLength, answer: ResponseLine.outOfMemoryStoring)
        }
    }

    /// No room for the item: skip its data block and answer after it, and (for set only, as
    /// memcached) drop the old value so a stale one does not outlive a failed overwrite.
    private func refuseStore(_ mode: StoreMode, key: UnsafeRawBufferPointer, valueLength: Int,
                             answer: StaticString) {
        state = .swallowing(remaining: valueLength + 2, answer: noreply ? nil : answer)
        if mode == .set { _ = engine.delete(key) }
    }

    /// The whole data block is in: store it, or refuse it if it did not end in `\r\n`. Always
    /// inlined into the read cycle (its one caller), where the compiler put it until counting by
    /// class made it a little larger: out of line, it and its answer's copy cost a set ~90
    /// instructions more (callgrind).
    @inline(__always)
    func finishStore(_ reception: ValueReception, into output: inout OutputBuffer) {
        if let meta = reception.meta { return finishMetaSet(reception, meta, into: &output) }
        noreply = reception.noreply
        // As memcached: counted in the new item's class before its data is checked.
        counters.add(.cmdSet, slabClass: reception.item.slabClass)
        guard reception.isWellTerminated else {
            engine.release(reception.item)
            return reply(ResponseLine.badDataChunk, into: &output)
        }
        let (result, comparedClass) = watchSwitch.isOn(.stores)
            ? commitLogged(reception.item, reception.mode, reception.compareCAS)
            : engine.commit(reception.item, mode: reception.mode, compareCAS: reception.compareCAS)
        if reception.mode == .cas { countCAS(result, comparedClass: comparedClass) }
        switch result {
        case .stored: reply(ResponseLine.stored, into: &output)
        case .notStored: reply(ResponseLine.notStored, into: &output)
        case .exists: reply(ResponseLine.exists, into: &output)
        case .notFound: reply(ResponseLine.notFound, into: &output)
        case .tooLarge, .outOfMemory:
            // Only append/prepend can fail here (the combined value needs a new item); memcached
            // answers NOT_STORED when that allocation fails.
            reply(ResponseLine.notStored, into: &output)
        }
    }

    /// A cas store's outcome; hits and bad values count in the class of the item compared with
    /// (memcached's choice: the one the store pushes out).
    func countCAS(_ result: StoreResult, comparedClass: Int) {
        switch result {
        case .stored: counters.add(.casHits, slabClass: comparedClass)
        case .exists: counters.add(.casBadval, slabClass: comparedClass)
        case .notFound: counters.add(.casMisses)
        default: break
        }
    }
}
