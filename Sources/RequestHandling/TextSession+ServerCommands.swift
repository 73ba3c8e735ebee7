import CacheEngine
import MemcacheProtocol
import Networking
import OutputBuffers
#if canImport(Glibc)
import Glibc
#endif

/// Commands about the server rather than one key: flush_all, verbosity, shutdown, cache_memlimit,
/// refresh_certs.
extension TextSession {
    /// memcached's `process_flush_all_command`: `flush_all [delay] [noreply]`. A delay of zero or
    /// less flushes now. Refused under `-F`.
    func flushAll(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        _ = takeNoreply(in: bytes)
        counters.add(.cmdFlush)  // a refused flush_all counts too, as in memcached
        guard context.server.live.flushEnabled else {
            return reply(AdminReply.flushNotAllowed, into: &output)
        }
        var delay: Int32 = 0
        if tokens.count != (noreply ? 2 : 1) {
            guard let parsed = ProtocolNumbers.parseInt32(word(1, in: bytes)) else {
                return reply(ResponseLine.invalidExptime, into: &output)
            }
            delay = parsed
        }
        engine.flushAll(delay: delay > 0 ? Int64(delay) : 0)
        reply(ResponseLine.ok, into: &output)
    }

    /// memcached's `process_verbosity_command`; levels above 2 mean 2.
    func verbosity(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        _ = takeNoreply(in: bytes)
        guard let level = ProtocolNumbers.parseUInt32(word(1, in: bytes)) else {
            return reply(ResponseLine.badCommandLineFormat, into: &output)
        }
        context.server.verbosity = Int(min(level, 2))
        reply(ResponseLine.ok, into: &output)
    }

    /// memcached's `process_shutdown_command` (`-A`): `shutdown` stops the server as SIGINT does,
    /// `shutdown graceful` as SIGUSR1 does; this connection closes without an answer. The signal goes
    /// to the process (memcached's `raise` would reach only this worker, whose signals are blocked).
    func shutdown(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        guard context.server.settings.admin.shutdownEnabled else {
            return output.append(ResponseLine.shutdownNotEnabled)
        }
        // memcached reads no `noreply` here: `shutdown noreply` is an invalid mode, answered.
        let words = tokens.count
        if words == 1 {
            closeRequested = true
            kill(getpid(), SIGINT)
        } else if words == 2, bytes.span(tokens[1], equals: "graceful") {
            closeRequested = true
            kill(getpid(), SIGUSR1)
        } else {
            output.append(AdminReply.invalidShutdownMode)
        }
    }

    /// memcached's `process_memlimit_command`: `cache_memlimit <megabytes> [noreply]`.
    func cacheMemoryLimit(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        _ = takeNoreply(in: bytes)
        guard let megabytes = ProtocolNumbers.parseUInt32(word(1, in: bytes)) else {
            return reply(ResponseLine.error, into: &output)
        }
        guard megabytes >= 8 else { return reply(AdminReply.memoryLimitTooSmall, into: &output) }
        guard megabytes <= 1_000_000_000 else { return reply(AdminReply.memoryLimitInMegabytes, into: &output) }
        guard engine.adjustMemoryLimit(to: Int(megabytes) << 20) else {
            return reply(AdminReply.memoryLimitOutOfBounds, into: &output)
        }
        if context.server.verbosity > 0 { fputs("maxbytes adjusted to \(megabytes)m\n", stderr) }
        reply(ResponseLine.ok, into: &output)
    }

    /// memcached's `refresh_certs`: the TLS certificate and key are loaded again for connections
    /// accepted from now on (open ones keep theirs). Any further words are ignored, as there.
    func refreshCertificates(into output: inout OutputBuffer) {
        guard context.server.settings.tls.enabled, let tls = context.server.tls else {
            return output.append(AdminReply.tlsNotEnabled)
        }
        guard let failure = tls.reloadCertificates() else { return output.append(ResponseLine.ok) }
        output.appendText(failure)
        output.append(ResponseLine.lineEnd)
    }
}

/// memcached 1.6.18's answers to the admin commands above.
enum AdminReply {
    static let flushNotAllowed: StaticString = "CLIENT_ERROR flush_all not allowed\r\n"
    static let invalidShutdownMode: StaticString = "CLIENT_ERROR invalid shutdown mode\r\n"
    static let memoryLimitTooSmall: StaticString = "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n"
    static let memoryLimitInMegabytes: StaticString = "MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes\r\n"
    static let memoryLimitOutOfBounds: StaticString = "MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust\r\n"
    static let watchNotAllowed: StaticString = "CLIENT_ERROR watch commands not allowed\r\n"
    static let tlsNotEnabled: StaticString = "Error TLS not enabled\r\n"
}
