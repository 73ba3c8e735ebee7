import Networking
import RequestHandling

/// memcached 1.6.18's `-o ssl_…` options, with its checks and messages (its option parser exits 1).
/// They are read with or without `-Z`, as there; only `-Z` turns TLS on.
extension ExtendedOptions {
    /// What one TLS write may take and a blocked one hold back, per connection: memcached takes any
    /// size (0 included) and allocates it per connection; here 1 KB to 1 MB.
    static let tlsWriteBufferKilobytes = 1...1024

    /// False when `name` is no TLS option.
    mutating func applyTLS(_ name: String, _ value: String?) throws(CommandLineError) -> Bool {
        switch name {
        case "ssl_session_cache":
            tls.sessionCache = true
        case "ssl_kernel_tls":
            tls.kernelTLS = true
        case "ssl_chain_cert":
            tls.chainCertificate = try Self.tlsArgument(value, name)
        case "ssl_key":
            tls.key = try Self.tlsArgument(value, name)
        case "ssl_ciphers":
            tls.ciphers = try Self.tlsArgument(value, name)
        case "ssl_ca_cert":
            tls.caCertificate = try Self.tlsArgument(value, name)
        case "ssl_keyformat":
            tls.keyFormat = try Self.tlsNumber(value, name)
        case "ssl_verify_mode":
            tls.verifyMode = try Self.tlsChoice(value, name, within: 0...3)
        case "ssl_min_version":
            tls.minimumVersion = try Self.tlsChoice(value, name, within: 0...3)
        case "ssl_wbuf_size":
            let kilobytes = try Self.tlsNumber(value, name, unsigned: true)
            guard Self.tlsWriteBufferKilobytes.contains(kilobytes) else {
                throw CommandLineError("ssl_wbuf_size must be between 1 and 1024 (kilobytes)", exitCode: 1)
            }
            tls.writeBufferSize = kilobytes * 1024
        default:
            return false
        }
        return true
    }

    private static func tlsArgument(_ value: String?, _ name: String) throws(CommandLineError) -> String {
        guard let value else { throw CommandLineError("Missing \(name) argument", exitCode: 1) }
        return value
    }

    /// memcached's `safe_strtol` (or `safe_strtoul`: no sign) of the value.
    private static func tlsNumber(_ value: String?, _ name: String, unsigned: Bool = false) throws(CommandLineError) -> Int {
        let text = try tlsArgument(value, name)
        guard let number = Int32(text), !(unsigned && text.hasPrefix("-")) else {
            throw CommandLineError("could not parse argument to \(name)", exitCode: 1)
        }
        return Int(number)
    }

    private static func tlsChoice(_ value: String?, _ name: String, within range: ClosedRange<Int>) throws(CommandLineError) -> Int {
        let number = try tlsNumber(value, name)
        guard range.contains(number) else {
            throw CommandLineError("Invalid \(name). Use help to see valid options.", exitCode: 1)
        }
        return number
    }
}
