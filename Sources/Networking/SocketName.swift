import CLibevent
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The address one end of a socket is bound to, read with `getsockname` / `getpeername`: for the port
/// file (`PortFile`), `stats conns` (`ConnectionRoster`) and a new connection's peer
/// (`ConnectionInfo.peer`), off every request path.
public struct SocketName: Sendable {
    public enum Family: Sendable { case inet, inet6, unix }

    public let family: Family
    /// Numeric host for IP sockets; the path (possibly empty) for a unix socket.
    public let host: String
    public let port: Int

    public static func local(of fd: Int32) -> SocketName? { read(fd, getsockname) }
    public static func peer(of fd: Int32) -> SocketName? { read(fd, getpeername) }

    /// memcached's spelling in `stats conns`: `tcp:127.0.0.1:11211`, `tcp6:[::1]:11211`, `udp:…`,
    /// `unix:/path`. `transport` is `tcp` or `udp`.
    public func text(transport: String) -> String {
        switch family {
        case .inet: return "\(transport):\(host):\(port)"
        case .inet6: return "\(transport)6:[\(host)]:\(port)"
        case .unix: return "unix:\(host)"
        }
    }

    private typealias NameCall = (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32

    private static func read(_ fd: Int32, _ call: NameCall) -> SocketName? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, &length) }
        }
        guard status == 0 else { return nil }
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: &storage) { raw in
            switch family {
            case AF_INET:
                return raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    SocketName(family: .inet, host: numeric(AF_INET, address.pointee.sin_addr, INET_ADDRSTRLEN),
                                      port: Int(UInt16(bigEndian: address.pointee.sin_port)))
                }
            case AF_INET6:
                return raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    SocketName(family: .inet6, host: numeric(AF_INET6, address.pointee.sin6_addr, INET6_ADDRSTRLEN),
                                      port: Int(UInt16(bigEndian: address.pointee.sin6_port)))
                }
            case AF_UNIX:
                return raw.withMemoryRebound(to: sockaddr_un.self, capacity: 1) { address in
                    let path = withUnsafeBytes(of: address.pointee.sun_path) { bytes in
                        String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
                    }
                    return SocketName(family: .unix, host: path, port: 0)
                }
            default:
                return nil
            }
        }
    }

    private static func numeric<Address>(_ family: Int32, _ address: Address, _ capacity: Int32) -> String {
        var text = [CChar](repeating: 0, count: Int(capacity))
        let written = withUnsafeBytes(of: address) { bytes in
            inet_ntop(family, bytes.baseAddress, &text, socklen_t(capacity))
        }
        guard written != nil else { return "?" }
        return String(cString: text)
    }
}
