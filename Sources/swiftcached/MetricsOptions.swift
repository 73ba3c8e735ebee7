import ArgumentParser
import Networking
import Observability
import RequestHandling

/// The admin HTTP listener (docs/observability.md): off unless `--metrics-port` is given; listens on
/// 127.0.0.1 unless `--metrics-listen` says otherwise, since it answers anyone who can reach it.
struct MetricsOptions: ParsableArguments {
    @Option(name: .customLong("metrics-port"),
            help: "Serve /metrics (Prometheus), /stats.json, /healthz and a dashboard on this port (default: off).")
    var port: Int?

    @Option(name: .customLong("metrics-listen"), help: "Address of the metrics listener (default: 127.0.0.1).")
    var address: String?

    func validate() throws {
        if let problem = AdminHTTPServer.optionProblem(port: port, address: address) { throw ValidationError(problem) }
    }

    /// The admin listener serving `context`, bound but not started; nil when off. It admits only the
    /// clients the cache port's allowlist admits.
    func makeListener(for context: ServerContext) throws -> AdminHTTPServer? {
        guard let port else { return nil }
        let site = AdminSite(server: context)
        return try AdminHTTPServer(address: address ?? "127.0.0.1", port: port, allowlist: context.settings.allowlist) { path in
            site.page(at: path).map { AdminHTTPServer.Page(contentType: $0.contentType, body: Array($0.body.utf8)) }
        }
    }
}
