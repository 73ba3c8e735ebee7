/// What the executable hands back when asked to re-read its configuration file: the settings the
/// file and the command line now make, and the static settings changed that `stats settings` does
/// not show (`-u`, `-P`, `--allow-file`, the cluster and metrics options), by flag.
public struct ReloadedSettings: Sendable {
    public let settings: ServerSettings
    public let unlistedStaticChanges: [String]

    public init(settings: ServerSettings, unlistedStaticChanges: [String]) {
        self.settings = settings
        self.unlistedStaticChanges = unlistedStaticChanges
    }
}

/// Why a reload changed nothing: the file's error with its place ("FILE:LINE: reason").
public struct SettingsReloadError: Error, Sendable {
    public let reason: String

    public init(_ reason: String) { self.reason = reason }
}

/// Re-reads the configuration (set by the executable; see `ServerContext.settingsSource`).
public typealias SettingsSource = @Sendable () -> Result<ReloadedSettings, SettingsReloadError>

/// What one reload did.
public enum ReloadOutcome: Equatable, Sendable {
    /// The dynamic settings named in `changed` now have the file's values; those in `pending` are
    /// static and differ from what the server runs with until it restarts.
    case applied(changed: [String], pending: [String])
    /// Nothing changed, for this reason.
    case refused(reason: String)
    /// The server was started without `--config-file`.
    case noConfigFile

    /// One line for the log.
    public var logLine: String {
        switch self {
        case let .applied(changed, pending):
            let applied = changed.isEmpty ? "no dynamic setting changed" : "applied " + changed.joined(separator: ",")
            return "config reload: \(applied); pending restart: " + (pending.isEmpty ? "none" : pending.joined(separator: ","))
        case let .refused(reason):
            return "config reload refused, nothing changed: \(reason)"
        case .noConfigFile:
            return "config reload: no --config-file to reload"
        }
    }
}
