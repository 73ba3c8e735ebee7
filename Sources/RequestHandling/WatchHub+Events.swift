import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// The lines of each stream, in memcached 1.6.18's words (key=value, keys URI-encoded). Callers test
/// `switch.isOn(stream)` first; these run only when someone watches.
extension WatchHub {
    /// `type=item_get`: one key looked up. `size` is the value's length (0 when not found).
    func itemFetched(_ key: UnsafeRawBufferPointer, _ result: LookupResult, slabClass: Int, descriptor: Int32, size: Int) {
        publish(.fetchers) { line in
            line.append("type=item_get key=")
            URIEncoding.append(key, into: &line)
            line.append(" status=")
            line.append(Self.lookupStatus(result))
            Self.appendField(" clsid=", slabClass, &line)
            Self.appendField(" cfd=", Int(descriptor), &line)
            Self.appendField(" size=", size, &line)
        }
    }

    /// `type=item_store`: one store attempt. `ttl` is seconds left (0: never expires).
    func itemStored(_ key: UnsafeRawBufferPointer, _ result: StoreResult, command: StoreMode, ttl: Int,
                    slabClass: Int, descriptor: Int32, size: Int) {
        publish(.mutations) { line in
            line.append("type=item_store key=")
            URIEncoding.append(key, into: &line)
            line.append(" status=")
            line.append(Self.storeStatus(result))
            line.append(" cmd=")
            line.append(Self.commandName(command))
            Self.appendField(" ttl=", ttl, &line)
            Self.appendField(" clsid=", slabClass, &line)
            Self.appendField(" cfd=", Int(descriptor), &line)
            Self.appendField(" size=", size, &line)
        }
    }

    /// `type=eviction`: an item pushed out to make room.
    func itemEvicted(_ item: EvictedItem) {
        publish(.evictions) { line in
            line.append("type=eviction key=")
            URIEncoding.append(item.key, into: &line)
            line.append(item.wasFetched ? " fetch=yes" : " fetch=no")
            Self.appendField(" ttl=", item.secondsToLive, &line)
            Self.appendField(" la=", item.secondsSinceAccess, &line)
            Self.appendField(" clsid=", item.slabClass, &line)
            Self.appendField(" size=", item.size, &line)
        }
    }

    /// `type=conn_new` / `type=conn_close`: a client arrived or left (`reason` only on close).
    public func connectionEvent(_ peer: WatchPeer, descriptor: Int32, closing reason: WatchCloseReason?) {
        publish(.connevents) { line in
            line.append(reason == nil ? "type=conn_new rip=" : "type=conn_close rip=")
            line.appendText(peer.host)
            Self.appendField(" rport=", peer.port, &line)
            line.append(" transport=")
            line.appendText(peer.transport.rawValue)
            if let reason {
                line.append(" reason=")
                line.appendText(reason.rawValue)
            }
            Self.appendField(" cfd=", Int(descriptor), &line)
        }
    }

    static func appendField(_ name: StaticString, _ value: Int, _ line: inout OutputBuffer) {
        line.append(name)
        line.appendDecimal(Int64(value))
    }

    static func lookupStatus(_ result: LookupResult) -> StaticString {
        switch result {
        case .hit: return "found"
        case .miss: return "not_found"
        case .flushed: return "flushed"
        case .expired: return "expired"
        }
    }

    static func storeStatus(_ result: StoreResult) -> StaticString {
        switch result {
        case .stored: return "stored"
        case .notStored: return "not_stored"
        case .exists: return "exists"
        case .notFound: return "not_found"
        case .tooLarge: return "too_large"
        case .outOfMemory: return "no_memory"
        }
    }

    static func commandName(_ mode: StoreMode) -> StaticString {
        switch mode {
        case .set: return "set"
        case .add: return "add"
        case .replace: return "replace"
        case .append: return "append"
        case .prepend: return "prepend"
        case .cas: return "cas"
        }
    }
}

/// The far end of a client connection as `connevents` prints it.
public struct WatchPeer: Sendable {
    public enum Transport: String, Sendable { case local, tcp, udp }
    /// Numeric address (a unix socket: its path).
    public var host: String
    public var port: Int
    public var transport: Transport

    public init(host: String, port: Int, transport: Transport) {
        self.host = host
        self.port = port
        self.transport = transport
    }
}

/// Why a connection closed (`conn_close reason=`).
public enum WatchCloseReason: String, Sendable {
    case error, normal
    case idleTimeout = "idle_timeout"
    case shutdown
}
