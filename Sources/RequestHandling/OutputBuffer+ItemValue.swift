import CacheEngine
import MemcacheProtocol

extension OutputBuffer {
    /// Appends an item's value, segment by segment (a chunked item's value spans several chunks).
    /// Room for all of it is made once, so a large value grows the buffer at most once.
    mutating func append(_ value: ItemValue) {
        guard value.count > 0 else { return }
        let destination = reserve(value.count)
        value.copyBytes(to: destination)
        commitWrite(value.count)
    }

    /// A whole `get` hit: `VALUE` line, data, `\r\n`.
    mutating func appendValue(key: UnsafeRawBufferPointer, flags: UInt32, value: ItemValue, cas: UInt64?) {
        if let contiguous = value.contiguous {  // every item in one chunk: the one-reservation writer
            return appendValue(key: key, flags: flags, value: contiguous, cas: cas)
        }
        appendValueHeader(key: key, flags: flags, length: value.count, cas: cas)
        append(value)
        append(ResponseLine.lineEnd)
    }
}
