import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// flush and stat: memcached's `process_bin_flush` and `process_bin_stat`.
extension BinarySession {
    /// Extras: an optional 4-byte delay; zero flushes now. Under `-F` memcached answers "Auth failure.".
    func flush(_ request: BinaryRequest, extras: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        guard context.server.live.flushEnabled else {
            return output.appendBinaryError(opcode: request.opcode, status: .authError, opaque: request.opaque)
        }
        let delay = extras.count == 4 ? Int64(BigEndianBytes.uint32(extras, at: 0)) : 0
        engine.flushAll(delay: delay)
        counters.add(.cmdFlush)
        answerSuccess(request, into: &output)
    }

    /// The key names the group. memcached matches `reset`, `settings` and `detail` as prefixes and
    /// the other groups exactly; an unknown group is "Not found". Each statistic is one packet,
    /// an empty packet ends the list.
    func stats(_ request: BinaryRequest, key: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        let reporter = StatsReporter(context: context)
        // Stats are not on the hot path: the text answer is built in a scratch buffer and converted.
        var text = OutputBuffer(capacity: 4096)
        defer { text.deallocate() }
        let whole = ByteSpan(start: 0, count: key.count)
        if key.isEmpty {
            reporter.writeGeneral(into: &text)
        } else if key.span(whole, hasPrefix: "reset") {
            context.server.resetStatistics()
            text.append(ResponseLine.end)
        } else if key.span(whole, hasPrefix: "settings") {
            reporter.writeSettings(into: &text)
        } else if key.span(whole, hasPrefix: "detail") {
            return statsDetail(request, key: key, reporter: reporter, into: &output)
        } else if key.span(whole, equals: "items") {
            reporter.writeItems(into: &text)
        } else if key.span(whole, equals: "slabs") {
            reporter.writeSlabs(into: &text)
        } else if key.span(whole, equals: "sizes") {
            reporter.writeSizes(into: &text)
        } else {
            return output.appendBinaryError(opcode: request.opcode, status: .keyNotFound, opaque: request.opaque)
        }
        BinaryStatsConverter.append(text.readableBytes, opaque: request.opaque, into: &output)
    }

    /// `detail dump` answers one statistic named "detailed" whose value is the text dump (`PREFIX …`
    /// lines and `END`); `detail on|off` switch detail as the text command does, then end the list.
    private func statsDetail(_ request: BinaryRequest, key: UnsafeRawBufferPointer, reporter: StatsReporter,
                             into output: inout OutputBuffer) {
        let mode = ByteSpan(start: 6, count: key.count - 6)
        if key.span(mode, hasPrefix: " dump") {
            var dump = OutputBuffer(capacity: 4096)
            defer { dump.deallocate() }
            reporter.writeDetailDump(into: &dump)
            let name: StaticString = "detailed"
            BinaryStatsConverter.appendPacket(name: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount),
                                              value: dump.readableBytes, opaque: request.opaque, into: &output)
        } else if key.span(mode, hasPrefix: " on") || key.span(mode, hasPrefix: " off") {
            context.server.detailEnabled = key.span(mode, hasPrefix: " on")
        } else {
            return output.appendBinaryError(opcode: request.opcode, status: .keyNotFound, opaque: request.opaque)
        }
        BinaryStatsConverter.appendTerminator(opaque: request.opaque, into: &output)
    }
}
