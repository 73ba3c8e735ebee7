// swift-tools-version:6.0
import PackageDescription

// Module map of the architecture (see docs/architecture.md):
//   CLibevent        system library: libevent through pkg-config
//   COpenSSL         system library: OpenSSL 3 through pkg-config (the TLS transport `-Z`; HMAC-SHA256 of the cluster secret)
//   ConfigFile       --config-file: memcached.conf lines (Debian's format) merged before the command line
//   AccessControl    the client allowlist (--allow, --allow-file): CIDR ranges matched on socket addresses
//   Locking          pthread mutexes at stable addresses (Lock, Locked, MutexArray), ConditionVariable,
//                    PosixThread — the only locks, condition variables and thread starts of every module
//   CacheEngine      slab memory, items, hash table, LRU, clock — no sockets, no protocol
//   OutputBuffers    the output byte buffer (with values sent in place) that sessions fill and Networking drains
//   MemcacheProtocol text-protocol parser and response writer on bytes — no sockets, no item layout
//   Networking       a reusable event-loop server: libevent listener and worker threads, connections,
//                    transports (clear, TLS), UDP endpoints, the admin HTTP listener, and the contracts
//                    its users implement (ConnectionSession, DatagramResponder, ConnectionObserver,
//                    LiveConnectionLimits) — no protocol, no engine
//   RequestHandling  per-connection sessions: parsed requests executed against the engine, stats;
//                    the cache server's wiring into Networking (Server+Cache.swift)
//   Observability    /metrics (memcached_exporter's names), /stats.json and the dashboards (node and cluster), from stats lines
//   swiftcached      the server executable (command line)
// Release builds of the modules on the request path skip Swift's dynamic exclusivity checks: every
// inout access to a class's stored property (a connection's buffers, a session's tables) otherwise
// costs a runtime call and a thread-local lookup — 23% of the instructions per request under callgrind
// (docs/benchmarks.md). Debug builds, and so every `swift test` run, keep the checks on.
let requestPathSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
// SE-0444: a file sees the members (extensions included) only of modules it imports itself, so a
// module cannot lean on what another module imported (Networking once reached the engine's clock
// through RequestHandling's import of CacheEngine without naming either).
let explicitImports: [SwiftSetting] = [.enableUpcomingFeature("MemberImportVisibility")]

let package = Package(
    name: "swiftcached",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "swiftcached", targets: ["swiftcached"]),
        .executable(name: "swiftcached-config", targets: ["swiftcached-config"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.2.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibevent",
            pkgConfig: "libevent",
            providers: [.apt(["libevent-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "AccessControl", dependencies: ["Locking"]),
        // `--config-file`: Debian's memcached.conf format turned into arguments for either executable.
        .target(name: "ConfigFile", dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Locks ThreadSanitizer can see (it does not understand Synchronization.Mutex's futexes);
        // atomics everywhere are swift-atomics'.
        .target(name: "Locking"),
        .target(
            name: "CacheEngine",
            dependencies: ["Locking", .product(name: "Atomics", package: "swift-atomics")],
            swiftSettings: requestPathSettings
        ),
        .target(name: "OutputBuffers", swiftSettings: requestPathSettings + explicitImports),
        .target(name: "MemcacheProtocol", dependencies: ["OutputBuffers"], swiftSettings: requestPathSettings + explicitImports),
        .target(
            name: "RequestHandling",
            dependencies: [
                "CacheEngine", "MemcacheProtocol", "OutputBuffers", "Networking", "Locking", "AccessControl",
                .product(name: "Atomics", package: "swift-atomics"),
            ],
            swiftSettings: requestPathSettings + explicitImports
        ),
        .target(
            name: "Networking",
            dependencies: [
                "CLibevent", "COpenSSL", "OutputBuffers", "Locking", "AccessControl",
                .product(name: "Atomics", package: "swift-atomics"),
            ],
            swiftSettings: requestPathSettings + explicitImports
        ),
        // What the admin listener serves (docs/observability.md): read at scrape time, off the request path.
        .target(name: "Observability", dependencies: ["RequestHandling", "CacheEngine"]),
        // Auto-discovery (docs/cluster.md): Cluster is membership, formats, hysteresis and state
        // without sockets; ClusterService adds probing, the endpoint's sessions, the cluster view's
        // reading of node stats (rendered by Observability) and a data node's registration on top
        // of Networking.
        .target(name: "Cluster", dependencies: ["COpenSSL"]),
        .target(
            name: "ClusterService",
            dependencies: [
                "Cluster", "Networking", "RequestHandling", "MemcacheProtocol", "OutputBuffers", "Locking", "Observability",
                .product(name: "Atomics", package: "swift-atomics"),
            ],
            swiftSettings: explicitImports
        ),
        .executableTarget(
            name: "swiftcached-config",
            dependencies: [
                "Cluster", "ClusterService", "Networking", "RequestHandling", "MemcacheProtocol", "AccessControl", "Observability", "ConfigFile",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: explicitImports
        ),
        .executableTarget(
            name: "swiftcached",
            dependencies: [
                "Networking", "RequestHandling", "CacheEngine", "Cluster", "ClusterService", "Observability", "AccessControl", "ConfigFile",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: explicitImports
        ),
        // Fuzz targets for every parser (docs/fuzzing.md): Scripts/fuzz.sh builds this with
        // -sanitize=fuzzer; an ordinary build replays input files given as arguments.
        .executableTarget(name: "swiftcached-fuzz", dependencies: ["RequestHandling", "MemcacheProtocol", "OutputBuffers", "Networking", "CacheEngine", "Cluster", "ConfigFile"],
                          path: "Sources/SwiftcachedFuzz"),
        .testTarget(name: "AccessControlTests", dependencies: ["AccessControl", "Locking"]),
        .testTarget(name: "CacheEngineTests", dependencies: ["CacheEngine"]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "ClusterService", "MemcacheProtocol", "OutputBuffers", "Locking", "Networking", "Observability",
                                                   .product(name: "Atomics", package: "swift-atomics")]),
        .testTarget(name: "ConfigFileTests", dependencies: ["ConfigFile", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "LockingTests", dependencies: ["Locking"]),
        .testTarget(name: "MemcacheProtocolTests", dependencies: ["MemcacheProtocol", "OutputBuffers"]),
        .testTarget(name: "OutputBuffersTests", dependencies: ["OutputBuffers"]),
        .testTarget(name: "ObservabilityTests", dependencies: ["Observability", "RequestHandling", "CacheEngine"]),
        .testTarget(name: "RequestHandlingTests", dependencies: ["RequestHandling", "CacheEngine", "MemcacheProtocol", "OutputBuffers", "Networking", "Locking"]),
        // A blocking socket client and a free port, for the tests that talk to a server over sockets.
        .target(name: "SocketTestSupport", path: "Tests/SocketTestSupport"),
        // Networking alone, in-process with a toy echo session: it links no protocol, no session
        // and no engine, which is the proof that the network layer is reusable.
        .testTarget(name: "NetworkingTests", dependencies: ["Networking", "OutputBuffers", "SocketTestSupport"],
                    swiftSettings: explicitImports),
        // Starts the built `swiftcached` binary (SwiftPM builds it for `swift test`).
        .testTarget(name: "IntegrationTests", dependencies: ["SocketTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
