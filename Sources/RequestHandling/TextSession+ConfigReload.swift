import MemcacheProtocol
import OutputBuffers

/// `config reload`: re-reads `--config-file` as SIGHUP does (ServerContext+Reload.swift). `OK` when
/// the file was applied (static changes are then pending, see `stats settings`), a `SERVER_ERROR`
/// saying why when nothing changed. Returns false for any other line.
extension TextSession {
    func answerConfigReload(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) -> Bool {
        guard tokens.count == 2, bytes.span(tokens[0], equals: "config"), bytes.span(tokens[1], equals: "reload") else {
            return false
        }
        switch context.server.reloadConfiguration() {
        case .applied:
            output.append(ResponseLine.ok)
        case .refused(let reason):
            output.appendText("SERVER_ERROR config reload refused: " + Self.oneLine(reason))
            output.append(ResponseLine.lineEnd)
        case .noConfigFile:
            output.append(ResponseLine.configReloadWithoutFile)
        }
        return true
    }

    /// A reason fit for one response line (a parser message may span lines).
    private static func oneLine(_ text: String) -> String {
        String(text.map { $0 == "\r" || $0 == "\n" ? " " : $0 }.prefix(400))
    }
}

extension ResponseLine {
    static let configReloadWithoutFile: StaticString = "SERVER_ERROR no configuration file to reload (start with --config-file)\r\n"
}
