#if canImport(Glibc)
import Glibc
#endif

/// Seconds on CLOCK_MONOTONIC: leases, probe rounds and deadlines must not jump with the wall clock.
public func monotonicNow() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}
