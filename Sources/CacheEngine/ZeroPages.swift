#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Zero-filled tables straight from the kernel: an anonymous private mapping, whose pages read as
/// zeros and become resident only when first written. A table sized for a full cache (the hash
/// table's buckets, the ghost filter's slots) so costs nothing while the cache is empty, where
/// `allocate` + `initialize` would write, and keep resident, every page at start.
/// Only for trivial element types whose all-zero bit pattern is their empty value.
enum ZeroPages {
    static func allocate<Element>(_ type: Element.Type, count: Int) -> UnsafeMutablePointer<Element> {
        let bytes = byteCount(Element.self, count)
        let mapped = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let mapped, mapped != MAP_FAILED else {
            fatalError("swiftcached: cannot map \(bytes) bytes for a table")
        }
        return mapped.bindMemory(to: Element.self, capacity: count)
    }

    static func free<Element>(_ table: UnsafeMutablePointer<Element>, count: Int) {
        munmap(UnsafeMutableRawPointer(table), byteCount(Element.self, count))
    }

    private static func byteCount<Element>(_ type: Element.Type, _ count: Int) -> Int {
        precondition(_isPOD(Element.self), "ZeroPages holds trivial types only")
        return max(count, 1) * MemoryLayout<Element>.stride
    }
}
