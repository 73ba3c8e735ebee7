import RequestHandling

/// What the admin listener serves for a node: `/metrics`, `/healthz`, `/stats.json` and `/` (the
/// dashboard). Each answer is built when asked, on the admin thread, from a snapshot taken then;
/// nothing is kept between requests and nothing is added to the request path.
public struct AdminSite: Sendable {
    public struct Page: Sendable {
        public let contentType: String
        public let body: String
    }

    /// `/healthz`: answered by the admin thread of a server whose listener and workers are running.
    static let healthy = Page(contentType: "text/plain; charset=utf-8", body: "ok\n")

    public static let paths = ["/", "/metrics", "/healthz", "/stats.json"]

    private let server: ServerContext

    public init(server: ServerContext) { self.server = server }

    /// The page at `path`, or nil (404).
    public func page(at path: String) -> Page? {
        switch path {
        case "/metrics":
            let snapshot = StatsSnapshot.take(of: server)
            let figures = ServerFigures.take(of: server)
            let families = ExporterMetrics.families(from: snapshot) + SwiftcachedMetrics.families(from: snapshot, figures: figures)
            return Page(contentType: PrometheusText.contentType, body: PrometheusText.render(families))
        case "/healthz":
            return Self.healthy
        case "/stats.json":
            let json = StatsJSON.render(StatsSnapshot.take(of: server), figures: ServerFigures.take(of: server))
            return Page(contentType: "application/json", body: json)
        case "/":
            return Page(contentType: "text/html; charset=utf-8", body: DashboardPage.html)
        default:
            return nil
        }
    }
}
