/// What the configuration endpoint's admin listener serves: `/metrics`, `/healthz`,
/// `/cluster.json` and `/` (the cluster dashboard). `report` gives the cluster view; it bounds its
/// own cost (ClusterService's `ClusterStatsCollector` serves a report again for a second).
public struct ClusterSite: Sendable {
    public static let paths = ["/", "/metrics", "/healthz", "/cluster.json"]

    private let report: @Sendable () -> ClusterReport

    public init(report: @escaping @Sendable () -> ClusterReport) { self.report = report }

    /// The page at `path`, or nil (404).
    public func page(at path: String) -> AdminSite.Page? {
        switch path {
        case "/metrics":
            return AdminSite.Page(contentType: PrometheusText.contentType, body: PrometheusText.render(ClusterMetrics.families(from: report())))
        case "/healthz":
            return AdminSite.healthy
        case "/cluster.json":
            return AdminSite.Page(contentType: "application/json", body: ClusterJSON.render(report()))
        case "/":
            return AdminSite.Page(contentType: "text/html; charset=utf-8", body: ClusterDashboardPage.html)
        default:
            return nil
        }
    }
}
