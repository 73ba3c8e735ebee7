#if canImport(Glibc)
import Glibc
#endif

/// Finds command lines in received bytes the way memcached's `try_read_command_ascii` does.
public enum CommandLineScanner {
    /// memcached keeps reading a line with no newline only while it looks like a multiget, and only
    /// if at most this many spaces precede the `get`.
    public static let maxLeadingSpacesOfLongGet = 100

    /// Ceiling we put on a multiget line that has not ended yet (memcached has none): one megabyte
    /// of keys plus a normal line, so a client cannot make a connection buffer grow without bound.
    public static let maxLongGetLineLength = (1 << 20) + 2048

    /// Offset of the first `\n` in `bytes` at or after `from`, or nil.
    @inlinable
    public static func newline(in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard from < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let found = memchr(base + from, 0x0A, bytes.count - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// The content of the line in `bytes[start..<newlineIndex]`, as memcached sees it: a `\r` before
    /// the `\n` is dropped (only when something precedes it), and the line ends at its first NUL byte
    /// because memcached handles the line as a C string.
    @inlinable
    public static func lineContent(in bytes: UnsafeRawBufferPointer, start: Int, newlineIndex: Int) -> ByteSpan {
        var length = newlineIndex - start
        if length > 1 && bytes[newlineIndex - 1] == 0x0D { length -= 1 }
        if length > 0, let base = bytes.baseAddress, let nul = memchr(base + start, 0, length) {
            length = (base + start).distance(to: UnsafeRawPointer(nul))
        }
        return ByteSpan(start: start, count: length)
    }

    public enum PartialLineVerdict: Equatable {
        /// Keep the bytes and wait for the rest of the line.
        case keepWaiting
        /// memcached closes the connection on such input.
        case closeConnection
    }

    /// What to do with `pending` bytes (the start of a line, no `\n` yet).
    public static func judgePartialLine(_ pending: UnsafeRawBufferPointer, maxLineLength: Int) -> PartialLineVerdict {
        if pending.count <= maxLineLength { return .keepWaiting }
        var leadingSpaces = 0
        while leadingSpaces < pending.count && pending[leadingSpaces] == 0x20 { leadingSpaces += 1 }
        if leadingSpaces > maxLeadingSpacesOfLongGet { return .closeConnection }
        let rest = ByteSpan(start: leadingSpaces, count: pending.count - leadingSpaces)
        guard pending.span(rest, hasPrefix: "get ") || pending.span(rest, hasPrefix: "gets ") else {
            return .closeConnection
        }
        return pending.count > maxLongGetLineLength ? .closeConnection : .keepWaiting
    }
}
