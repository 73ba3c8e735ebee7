import ArgumentParser
import ConfigFile
import RequestHandling
#if canImport(Glibc)
import Glibc
#endif

/// `--config-file FILE`: memcached.conf flags read before the command line's (ConfigArguments).
struct ConfigFileOption: ParsableArguments {
    @Option(name: .customLong("config-file"),
            help: "Read flags from FILE first (Debian's memcached.conf format); command-line flags override it. SIGHUP and `config reload` re-read it.")
    var path: String?
}

extension SwiftcachedCommand {
    /// Repeatable options a command line replaces rather than adds to (`-o` adds up: see ConfigArguments).
    static let replacedByCommandLine: [[String]] = [["-l", "--listen"], ["--allow"]]

    static func loadConfigFile(_ commandLine: [String]) throws(ConfigFileError) -> ConfigArguments<SwiftcachedCommand>? {
        try ConfigArguments<SwiftcachedCommand>.load(commandLine: commandLine, replacing: replacedByCommandLine)
    }

    /// The message for settings refused as a whole (`-I` beyond half of `-m`, say): with a config
    /// file, prefixed by the line that makes them refused.
    static func located(_ error: CommandLineError, commandLine: [String]) -> String {
        guard let loaded = try? loadConfigFile(commandLine) else { return error.description }
        let location = loaded.blame { arguments in (try? parse(arguments).makeSettings()) == nil }
        return "\(location.map(\.description) ?? "command line"): \(error.description)"
    }

    /// For SIGHUP and `config reload`: the file re-read with the same command line, into settings,
    /// or why not (nothing is applied then).
    func settingsSource(commandLine: [String]) -> SettingsSource {
        let running = self
        return {
            do {
                guard let loaded = try Self.loadConfigFile(commandLine) else {
                    return .failure(SettingsReloadError("the command line names no --config-file"))
                }
                let command = try Self.parse(loaded.combined)
                do throws(CommandLineError) {
                    let settings = try command.makeSettings()
                    return .success(ReloadedSettings(settings: settings, unlistedStaticChanges: running.unlistedDifferences(command)))
                } catch {
                    return .failure(SettingsReloadError(Self.located(error, commandLine: commandLine)))
                }
            } catch let error as ConfigFileError {
                return .failure(SettingsReloadError(error.description))
            } catch {
                return .failure(SettingsReloadError(Self.message(for: error)))
            }
        }
    }

    /// Static settings `stats settings` does not show, by flag, that differ in `new`.
    private func unlistedDifferences(_ new: SwiftcachedCommand) -> [String] {
        let pairs: [(String, String, String)] = [
            ("-u", "\(operations.user ?? "")", "\(new.operations.user ?? "")"),
            ("-P", "\(operations.pidFile ?? "")", "\(new.operations.pidFile ?? "")"),
            ("-k", "\(operations.lockMemory)", "\(new.operations.lockMemory)"),
            ("-r", "\(operations.enableCoreDumps)", "\(new.operations.enableCoreDumps)"),
            ("-W", "\(operations.disableWatch)", "\(new.operations.disableWatch)"),
            ("--allow", "\(access.allow)", "\(new.access.allow)"),
            ("--allow-file", "\(access.allowFile ?? "")", "\(new.access.allowFile ?? "")"),
            ("cluster", "\(cluster)", "\(new.cluster)"),
            ("metrics", "\(metrics)", "\(new.metrics)"),
        ]
        return pairs.filter { $0.1 != $0.2 }.map(\.0)
    }
}
