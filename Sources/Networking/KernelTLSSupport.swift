import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// Whether `ssl_kernel_tls` can take effect: OpenSSL built with kernel TLS, and a kernel that
/// offers the "tls" upper-layer protocol. Otherwise the option is accepted and reported off.
enum KernelTLSSupport {
    static var isAvailable: Bool {
        swiftcached_ssl_has_kernel_tls() == 1 && kernelOffersTLS()
    }

    private static func kernelOffersTLS() -> Bool {
        guard let file = fopen("/proc/sys/net/ipv4/tcp_available_ulp", "r") else { return false }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        guard fgets(&line, Int32(line.count), file) != nil else { return false }
        return String(cString: line).split(whereSeparator: { $0 == " " || $0 == "\n" }).contains("tls")
    }
}
