import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// `stats` and its sub-commands (memcached's `process_stat`).
extension TextSession {
    func stats(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        let reporter = StatsReporter(context: context)
        guard tokens.count > 1 else { return reporter.writeGeneral(into: &output) }
        let sub = tokens[1]
        if bytes.span(sub, equals: "reset") {
            context.server.resetStatistics()
            output.append(ResponseLine.reset)
        } else if bytes.span(sub, equals: "detail") {
            statsDetail(in: bytes, reporter: reporter, into: &output)
        } else if bytes.span(sub, equals: "settings") {
            reporter.writeSettings(into: &output)
        } else if bytes.span(sub, equals: "cachedump") {
            cachedump(in: bytes, into: &output)
        } else if bytes.span(sub, equals: "conns") {
            connectionStats(into: &output)
        } else if bytes.span(sub, equals: "items") {
            reporter.writeItems(into: &output)
        } else if bytes.span(sub, equals: "slabs") {
            reporter.writeSlabs(into: &output)
        } else if bytes.span(sub, equals: "sizes") {
            reporter.writeSizes(into: &output)
        } else if bytes.span(sub, equals: "sizes_enable") {
            reporter.enableSizes(into: &output)
        } else if bytes.span(sub, equals: "sizes_disable") {
            reporter.disableSizes(into: &output)
        } else {
            output.append(ResponseLine.error)
        }
    }

    /// `stats detail on|off|dump`: on/off switch `detail_enabled` (`-D` starts it on) and with it the
    /// per-prefix counts (`PrefixStatistics`); dump lists what was counted, whether on or off now.
    private func statsDetail(in bytes: UnsafeRawBufferPointer, reporter: StatsReporter, into output: inout OutputBuffer) {
        guard tokens.count > 2 else { return output.append(ResponseLine.statsDetailUsage) }
        let mode = tokens[2]
        if bytes.span(mode, equals: "on") || bytes.span(mode, equals: "off") {
            context.server.detailEnabled = bytes.span(mode, equals: "on")
            output.append(ResponseLine.ok)
        } else if bytes.span(mode, equals: "dump") {
            reporter.writeDetailDump(into: &output)
        } else {
            output.append(ResponseLine.statsDetailUsage)
        }
    }
}
