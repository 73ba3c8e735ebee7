import XCTest
@testable import CacheEngine

/// Small engines and byte helpers for the engine tests.
extension XCTestCase {
    func makeEngine(megabytes: Int = 8, configure: (inout EngineConfiguration) -> Void = { _ in }) -> CacheEngine {
        var configuration = EngineConfiguration()
        configuration.memoryLimit = megabytes << 20
        configure(&configuration)
        let engine = CacheEngine(configuration: configuration, clock: CacheClock(unixNow: 1_700_000_000))
        addTeardownBlock { engine.shutdown() }
        return engine
    }
}

extension ItemValue {
    /// The whole value, gathered segment by segment.
    var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        forEachSegment { result.append(contentsOf: $0) }
        return result
    }
}

extension CacheEngine {
    @discardableResult
    func set(_ key: String, _ value: String, flags: UInt32 = 0, exptime: Int64 = 0, mode: StoreMode = .set, cas: UInt64 = 0) -> StoreResult {
        var key = key
        var value = value
        return key.withUTF8 { keyBytes in
            value.withUTF8 { valueBytes in
                store(mode, key: UnsafeRawBufferPointer(keyBytes), flags: flags, exptime: exptime,
                      value: UnsafeRawBufferPointer(valueBytes), compareCAS: cas)
            }
        }
    }

    /// The value, flags and CAS of a live key, or nil.
    func fetch(_ key: String) -> (value: String, flags: UInt32, cas: UInt64)? {
        var key = key
        var found: (String, UInt32, UInt64)?
        _ = key.withUTF8 { keyBytes in
            get(UnsafeRawBufferPointer(keyBytes)) { view in
                found = (String(decoding: view.value.bytes, as: UTF8.self), view.flags, view.cas)
            }
        }
        return found
    }

    /// The value bytes of a live key, or nil.
    func fetchBytes(_ key: String) -> [UInt8]? {
        var key = key
        var found: [UInt8]?
        _ = key.withUTF8 { keyBytes in get(UnsafeRawBufferPointer(keyBytes)) { found = $0.value.bytes } }
        return found
    }

    /// Stores raw bytes.
    @discardableResult
    func setBytes(_ key: String, _ value: [UInt8], mode: StoreMode = .set, flags: UInt32 = 0) -> StoreResult {
        var key = key
        return key.withUTF8 { keyBytes in
            value.withUnsafeBytes { store(mode, key: UnsafeRawBufferPointer(keyBytes), flags: flags, exptime: 0, value: $0) }
        }
    }

    func lookup(_ key: String) -> LookupResult {
        var key = key
        return key.withUTF8 { get(UnsafeRawBufferPointer($0)) { _ in } }
    }

    func remove(_ key: String) -> Bool {
        var key = key
        return key.withUTF8 { delete(UnsafeRawBufferPointer($0)) } != nil
    }

    func adjust(_ key: String, increment: Bool, by delta: UInt64) -> ArithmeticResult {
        var key = key
        return key.withUTF8 { arithmetic(UnsafeRawBufferPointer($0), increment: increment, delta: delta).result }
    }

    func touchKey(_ key: String, exptime: Int64) -> LookupResult {
        var key = key
        return key.withUTF8 { touch(UnsafeRawBufferPointer($0), exptime: exptime).result }
    }
}

/// A reproducible random source (xorshift64*) for tests whose failures must replay.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
