import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// delete and increment / decrement (and quiet forms): memcached's `process_bin_delete` and
/// `complete_incr_bin`.
extension BinarySession {
    /// A non-zero header CAS must match the item's.
    func delete(_ request: BinaryRequest, key: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        let cas = request.header.cas
        if detailSwitch.isOn { detail.recordDelete(key) }
        if watchSwitch.isOn(.fetchers) { logLookup(key) }
        let (result, slabClass) = engine.metaDelete(key, compareCAS: cas == 0 ? nil : cas, invalidate: false,
                                                    emptyValue: false, newExpiry: nil, explicitCAS: nil)
        switch result {
        case .deleted, .invalidated, .emptied:
            counters.add(.deleteHits, slabClass: slabClass)
            answerSuccess(request, into: &output)
        case .notFound:
            counters.add(.deleteMisses)
            output.appendBinaryError(opcode: request.opcode, status: .keyNotFound, opaque: request.opaque)
        case .casMismatch:
            output.appendBinaryError(opcode: request.opcode, status: .keyExists, opaque: request.opaque)
        }
    }

    /// Extras: delta (8), initial (8), expiration (4). On a miss the item is created with the
    /// initial value unless the expiration is 0xffffffff. The answer is the new value (8 bytes).
    func arithmetic(increment: Bool, _ request: BinaryRequest, key: UnsafeRawBufferPointer,
                    extras: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        let delta = BigEndianBytes.uint64(extras, at: 0)
        let expiration = BigEndianBytes.uint32(extras, at: 16)
        var cas: UInt64 = 0
        if watchSwitch.isOn(.fetchers) { logLookup(key) }
        let (result, slabClass) = engine.metaArithmetic(key, MetaArithmeticRequest(increment: increment, delta: delta,
                                                                                   compareCAS: request.header.cas)) { item, _ in
            cas = item.cas
        }
        switch result {
        case .updated(let value), .created(let value):
            counters.add(increment ? .incrHits : .decrHits, slabClass: slabClass)
            answerNumber(value, cas: cas, request, into: &output)
        case .notFound, .vivifyFailed:
            if expiration != 0xffff_ffff {
                return createInitial(BigEndianBytes.uint64(extras, at: 8), expiration: expiration, request, key: key, into: &output)
            }
            counters.add(increment ? .incrMisses : .decrMisses)
            output.appendBinaryError(opcode: request.opcode, status: .keyNotFound, opaque: request.opaque)
        case .casMismatch:
            output.appendBinaryError(opcode: request.opcode, status: .keyExists, opaque: request.opaque)
        case .nonNumeric:
            output.appendBinaryError(opcode: request.opcode, status: .nonNumeric, opaque: request.opaque)
        case .outOfMemory:
            output.appendBinaryError(opcode: request.opcode, status: .outOfMemory, opaque: request.opaque,
                                     message: BinaryErrorText.outOfMemoryIncrementing)
        }
    }

    /// The miss path of incr / decr, as memcached takes it: a new item holding the initial value in
    /// decimal, stored with add (so a concurrent creator wins and this one answers "Not stored.").
    private func createInitial(_ initial: UInt64, expiration: UInt32, _ request: BinaryRequest,
                               key: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 20 digits
        let length = withUnsafeMutableBytes(of: &digits) { DecimalValue.format(initial, into: $0) }
        guard case .allocated(let pending) = engine.allocate(key: key, flags: 0, exptime: Int64(expiration), valueLength: length) else {
            return output.appendBinaryError(opcode: request.opcode, status: .outOfMemory, opaque: request.opaque,
                                            message: BinaryErrorText.outOfMemoryAllocatingNewItem)
        }
        var writer = pending.makeWriter()
        withUnsafeBytes(of: &digits) { writer.write(UnsafeRawBufferPointer(rebasing: $0[..<length])) }
        let options = MetaStoreOptions(mode: .add)
        let (result, cas, _) = watchSwitch.isOn(.stores)
            ? watchHub.commitMetaLogged(pending, options, in: engine, descriptor: descriptor)
            : engine.commitMeta(pending, options)
        guard result == .stored else {
            return output.appendBinaryError(opcode: request.opcode, status: .notStored, opaque: request.opaque)
        }
        answerNumber(initial, cas: cas, request, into: &output)
    }

    private func answerNumber(_ value: UInt64, cas: UInt64, _ request: BinaryRequest, into output: inout OutputBuffer) {
        guard !request.quiet else { return }
        output.appendBinaryHeader(opcode: request.opcode, status: .success, bodyLength: 8, opaque: request.opaque, cas: cas)
        output.appendBigEndian(value)
    }
}
