import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// The engine takes back the pins of values sent in place once their bytes are out.
extension CacheEngine: SpliceOwner {
    public func releaseSplice(_ token: UInt32) { unpin(token) }
}

/// Decides how a hit's value goes out (see `ResponseLimits`): copied, or in place with its item
/// pinned. One per session.
struct ValueSending {
    /// unowned(unsafe): the engine outlives every session, and a strong reference would cost a
    /// retain and a release each time a response closure captures this value.
    unowned(unsafe) let engine: CacheEngine
    let limits: ResponseLimits

    /// Whether a value of `count` bytes, added by a request that began at `mark`, goes out in place.
    @inline(__always)
    func sendsInPlace(_ count: Int, output: OutputBuffer, since mark: OutputBuffer.Mark) -> Bool {
        count >= limits.zeroCopyMinimum || output.ownedBytes(since: mark) >= limits.copyBudget
    }

    /// The connection has more pieces waiting than it may: the request must fail.
    func isOverLimit(_ output: OutputBuffer) -> Bool { output.spliceCount > limits.maxPendingSplices }
}

extension OutputBuffer {
    /// Appends an item's value, segment by segment (a chunked item's value spans several chunks).
    /// Room for all of it is made once, so a large value grows the buffer at most once.
    mutating func append(_ value: ItemValue) {
        guard value.count > 0 else { return }
        let destination = reserve(value.count)
        value.copyBytes(to: destination)
        commitWrite(value.count)
    }

    /// Sends a pinned item's value in place, one splice per segment; the pin (`token`) goes back to
    /// `owner` with the last segment.
    mutating func appendInPlace(_ value: ItemValue, token: UInt32, owner: SpliceOwner) {
        var remaining = value.count
        value.forEachSegment { segment in
            remaining -= segment.count
            guard segment.count > 0 else { return }
            appendSplice(segment, token: remaining == 0 ? token : 0, owner: owner)
        }
    }

    /// Appends a hit's value, copied or in place as `sending` decides. `pin` pins the item; it runs
    /// only for a value sent in place, inside the engine's callback (the item's stripe is held).
    mutating func appendHitValue(_ value: ItemValue, sending: ValueSending, since mark: Mark, pin: () -> UInt32) {
        if sending.sendsInPlace(value.count, output: self, since: mark) {
            appendInPlace(value, token: pin(), owner: sending.engine)
        } else {
            append(value)
        }
    }

    /// A whole `get` hit: `VALUE` line, data, `\r\n`.
    mutating func appendValue(_ item: ItemView, cas: UInt64?, sending: ValueSending, since mark: Mark) {
        let value = item.value
        if let contiguous = value.contiguous, !sending.sendsInPlace(value.count, output: self, since: mark) {
            // The common case: a small item in one chunk, written with one reservation.
            return appendValue(key: item.key, flags: item.flags, value: contiguous, cas: cas)
        }
        appendValueHeader(key: item.key, flags: item.flags, length: value.count, cas: cas)
        appendHitValue(value, sending: sending, since: mark) { sending.engine.pin(item) }
        append(ResponseLine.lineEnd)
    }
}
