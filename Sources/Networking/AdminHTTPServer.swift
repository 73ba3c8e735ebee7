import AccessControl
import CLibevent
import Locking
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The admin listener (`--metrics-port`): libevent's own HTTP server on a thread and event_base of
/// its own, so a scrape never runs on a worker. It knows HTTP, not what it serves: `router` maps a
/// path to a page, or nil for 404. Only GET and HEAD are answered with the page (any other method:
/// 405 with `Allow`); headers are capped at `AdminHTTPLimits.headerBytes` (libevent answers an
/// over-long request line or header block with an error and closes), bodies at
/// `bodyBytes`, and a connection idle or trickling for `timeoutSeconds` is closed. With an
/// allowlist (`--allow`), a client it does not admit gets 403 whatever it asks.
public final class AdminHTTPServer: @unchecked Sendable {
    public struct Page: Sendable {
        public var contentType: String
        public var body: [UInt8]

        public init(contentType: String, body: [UInt8]) {
            self.contentType = contentType
            self.body = body
        }
    }

    public typealias Router = @Sendable (String) -> Page?

    private let base: OpaquePointer
    private let http: OpaquePointer
    private let router: Router
    private let allowlist: SharedAllowlist?
    private let stopSignal: WakeSignal
    private var stopEvent: OpaquePointer?
    private var thread: PosixThread?
    /// Where it listens, `address:port`, for logs.
    public let name: String

    /// Binds `address:port` now, so a taken port is a startup error; serves only after `start`.
    public init(address: String, port: Int, allowlist: SharedAllowlist? = nil, router: @escaping Router) throws {
        guard let base = event_base_new() else { throw ServerError.system("event_base_new", errno) }
        guard let http = evhttp_new(base) else {
            event_base_free(base)
            throw ServerError.system("evhttp_new", errno)
        }
        self.base = base
        self.http = http
        self.router = router
        self.allowlist = allowlist
        name = "\(address):\(port)"
        do {
            stopSignal = try WakeSignal()
        } catch {
            evhttp_free(http)
            event_base_free(base)
            throw error
        }
        AdminHTTPLimits.apply(to: http)
        // Every property is set from here on, so a throw runs deinit, which frees the base and evhttp.
        guard evhttp_bind_socket_with_handle(http, address, UInt16(port)) != nil else {
            throw ServerError.system("admin listener bind \(name)", errno)
        }
    }

    deinit {
        if let stopEvent { event_free(stopEvent) }
        evhttp_free(http)
        event_base_free(base)
    }

    /// Starts the admin thread.
    public func start() throws {
        let context = Unmanaged.passUnretained(self).toOpaque()
        evhttp_set_gencb(http, { request, context in
            guard let request, let context else { return }
            Unmanaged<AdminHTTPServer>.fromOpaque(context).takeUnretainedValue().answer(request)
        }, context)
        stopEvent = event_new(base, stopSignal.readFD, EventFlags.read | EventFlags.persist, { _, _, context in
            let server = Unmanaged<AdminHTTPServer>.fromOpaque(context!).takeUnretainedValue()
            event_base_loopbreak(server.base)
        }, context)
        guard let stopEvent, event_add(stopEvent, nil) == 0 else { throw ServerError.system("event_add (admin)", errno) }
        let base = self.base
        thread = try PosixThread(name: "admin-http") {
            event_base_dispatch(base)
        }
    }

    /// Stops the admin thread and waits for it; open admin connections are dropped with the base.
    public func stop() {
        stopSignal.notify()
        thread?.join()
        thread = nil
    }

    // MARK: On the admin thread

    private func answer(_ request: OpaquePointer) {
        guard isAdmitted(request) else {
            return reply(request, status: 403, reason: "Forbidden", page: .text("forbidden\n"))
        }
        let method = evhttp_request_get_command(request)
        guard let path = Self.path(of: request), let page = router(path) else {
            return reply(request, status: 404, reason: "Not Found", page: .text("not found\n"))
        }
        guard method == EVHTTP_REQ_GET || method == EVHTTP_REQ_HEAD else {
            addHeader(request, "Allow", "GET, HEAD")
            return reply(request, status: 405, reason: "Method Not Allowed", page: .text("method not allowed\n"))
        }
        reply(request, status: 200, reason: "OK", page: page)
    }

    /// Whether the allowlist (if any) admits the peer; a peer whose address cannot be read is not admitted.
    private func isAdmitted(_ request: OpaquePointer) -> Bool {
        guard let allowlist else { return true }
        guard let connection = evhttp_request_get_connection(request),
              let peer = evhttp_connection_get_addr(connection) else { return false }
        return allowlist.admits(peer)
    }

    /// The decoded path of the request's URI, without query or fragment; nil if it has none.
    private static func path(of request: OpaquePointer) -> String? {
        guard let uri = evhttp_request_get_evhttp_uri(request), let raw = evhttp_uri_get_path(uri),
              let decoded = evhttp_uridecode(raw, 0, nil) else { return nil }
        defer { free(decoded) }
        return String(cString: decoded)
    }

    private func reply(_ request: OpaquePointer, status: Int32, reason: String, page: Page) {
        addHeader(request, "Content-Type", page.contentType)
        addHeader(request, "Cache-Control", "no-store")
        addHeader(request, "X-Content-Type-Options", "nosniff")
        guard let buffer = evbuffer_new() else {
            return evhttp_send_error(request, 500, "Internal Server Error")
        }
        defer { evbuffer_free(buffer) }
        page.body.withUnsafeBytes { _ = evbuffer_add(buffer, $0.baseAddress, $0.count) }
        // For HEAD, libevent sends the headers (Content-Length included) and leaves the body out.
        evhttp_send_reply(request, status, reason, buffer)
    }

    private func addHeader(_ request: OpaquePointer, _ name: String, _ value: String) {
        evhttp_add_header(evhttp_request_get_output_headers(request), name, value)
    }
}

extension AdminHTTPServer {
    /// What is wrong with `--metrics-port` / `--metrics-listen` as given, or nil: the check both
    /// executables make.
    public static func optionProblem(port: Int?, address: String?) -> String? {
        if let port, !(1...65535).contains(port) { return "--metrics-port must be between 1 and 65535" }
        if address != nil, port == nil { return "--metrics-listen needs --metrics-port" }
        return nil
    }
}

extension AdminHTTPServer.Page {
    static func text(_ body: String) -> AdminHTTPServer.Page {
        AdminHTTPServer.Page(contentType: "text/plain; charset=utf-8", body: Array(body.utf8))
    }
}

/// What one admin request may cost: the admin listener is for a scraper and a browser, so its
/// limits are small, and a client that holds a connection without finishing a request is closed.
public enum AdminHTTPLimits {
    /// Request line and headers together.
    public static let headerBytes = 8192
    /// No route reads a body; a little is allowed so a stray POST gets its 405.
    public static let bodyBytes = 4096
    /// Seconds a connection may take to send a request (slowloris) or stay idle.
    public static let timeoutSeconds: Int32 = 10

    static func apply(to http: OpaquePointer) {
        evhttp_set_max_headers_size(http, Int(headerBytes))
        evhttp_set_max_body_size(http, Int(bodyBytes))
        evhttp_set_timeout(http, timeoutSeconds)
        // Every method libevent parses reaches the router, so an unsupported one gets 405 rather
        // than libevent's 501; methods it does not know are its 400.
        let methods = [EVHTTP_REQ_GET, EVHTTP_REQ_POST, EVHTTP_REQ_HEAD, EVHTTP_REQ_PUT, EVHTTP_REQ_DELETE,
                       EVHTTP_REQ_OPTIONS, EVHTTP_REQ_TRACE, EVHTTP_REQ_CONNECT, EVHTTP_REQ_PATCH]
        evhttp_set_allowed_methods(http, UInt16(methods.reduce(0) { $0 | $1.rawValue }))
    }
}
