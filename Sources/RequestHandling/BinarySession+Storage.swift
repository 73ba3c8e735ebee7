import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// set / add / replace / append / prepend and their quiet forms: memcached's `process_bin_update`,
/// `process_bin_append_prepend` and `complete_update_bin`.
extension BinarySession {
    /// Extras: flags (4), expiration (4). A non-zero header CAS turns any of them into a CAS store,
    /// as in memcached.
    func beginStore(_ command: BinaryOpcode, _ request: BinaryRequest, key: UnsafeRawBufferPointer,
                    extras: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        let flags = BigEndianBytes.uint32(extras, at: 0)
        let exptime = Int64(BigEndianBytes.uint32(extras, at: 4))
        let mode: StoreMode
        switch command {
        case .add: mode = .add
        case .replace: mode = .replace
        default: mode = .set
        }
        if detailSwitch.isOn { detail.recordSet(key) }
        allocate(request, key: key, flags: flags, exptime: exptime, mode: request.header.cas != 0 ? .cas : mode,
                 deletesOnFailure: command == .set, into: &output)
    }

    func beginConcatenation(_ command: BinaryOpcode, _ request: BinaryRequest, key: UnsafeRawBufferPointer,
                            into output: inout OutputBuffer) {
        if detailSwitch.isOn { detail.recordSet(key) }
        allocate(request, key: key, flags: 0, exptime: 0, mode: command == .append ? .append : .prepend,
                 deletesOnFailure: false, into: &output)
    }

    /// Reserves the item before its value arrives; a refusal is answered at once and the value
    /// swallowed. A failed `set` also drops the old value, so a stale one cannot outlive it.
    private func allocate(_ request: BinaryRequest, key: UnsafeRawBufferPointer, flags: UInt32, exptime: Int64,
                          mode: StoreMode, deletesOnFailure: Bool, into output: inout OutputBuffer) {
        let valueLength = request.header.valueLength
        switch engine.allocate(key: key, flags: flags, exptime: exptime, valueLength: valueLength) {
        case .allocated(let item):
            state = .receivingValue(BinaryValueReception(item: item, request: request, mode: mode))
            return
        case .tooLarge:
            refuse(request, .valueTooLarge, swallowing: valueLength, into: &output)
        case .outOfMemory:
            refuse(request, .outOfMemory, message: BinaryErrorText.outOfMemoryAllocatingItem, swallowing: valueLength, into: &output)
        }
        if deletesOnFailure { _ = engine.delete(key) }
    }

    /// The whole value is in: link it and answer.
    func finishStore(_ reception: BinaryValueReception, into output: inout OutputBuffer) {
        counters.add(.cmdSet, slabClass: reception.item.slabClass)
        let options = MetaStoreOptions(mode: reception.mode, compareCAS: reception.compareCAS)
        let (result, cas, comparedClass) = watchSwitch.isOn(.stores)
            ? watchHub.commitMetaLogged(reception.item, options, in: engine, descriptor: descriptor)
            : engine.commitMeta(reception.item, options)
        if reception.mode == .cas { countCAS(result, comparedClass: comparedClass) }
        let status: BinaryStatus
        switch result {
        case .stored:
            if !reception.quiet {
                output.appendBinaryHeader(opcode: reception.opcode, status: .success, bodyLength: 0,
                                          opaque: reception.opaque, cas: cas)
            }
            return
        case .exists: status = .keyExists
        case .notFound: status = .keyNotFound
        case .notStored, .tooLarge, .outOfMemory:
            switch reception.mode {
            case .add: status = .keyExists
            case .replace: status = .keyNotFound
            default: status = .notStored
            }
        }
        output.appendBinaryError(opcode: reception.opcode, status: status, opaque: reception.opaque)
    }

    /// As the text protocol's: in the class of the item compared with.
    private func countCAS(_ result: StoreResult, comparedClass: Int) {
        switch result {
        case .stored: counters.add(.casHits, slabClass: comparedClass)
        case .exists: counters.add(.casBadval, slabClass: comparedClass)
        case .notFound: counters.add(.casMisses)
        default: break
        }
    }
}
