import CacheEngine
import MemcacheProtocol
import OutputBuffers

extension TextSession {
    /// Runs one command line (without its line end).
    func executeLine(_ line: ByteSpan, in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        tokens.fill(from: bytes, line: line)
        switch CommandRecognizer.recognize(tokens, in: bytes) {
        case .error:
            lastCommandFlushed = false
            if !answerClusterConfig(in: bytes, into: &output), !answerConfigReload(in: bytes, into: &output) {
                output.append(ResponseLine.error)
            }
        case .closeConnection:
            closeRequested = true
        case .command(let kind):
            execute(kind, in: bytes, into: &output)
            lastCommandFlushed = kind.isRetrieval || kind == .metaNoOp
        }
    }

    private func execute(_ kind: CommandKind, in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        switch kind {
        case .get: retrieve(in: bytes, withCAS: false, touching: false, into: &output)
        case .gets: retrieve(in: bytes, withCAS: true, touching: false, into: &output)
        case .gat: retrieve(in: bytes, withCAS: false, touching: true, into: &output)
        case .gats: retrieve(in: bytes, withCAS: true, touching: true, into: &output)
        case .set: beginStore(.set, in: bytes, into: &output)
        case .add: beginStore(.add, in: bytes, into: &output)
        case .replace: beginStore(.replace, in: bytes, into: &output)
        case .append: beginStore(.append, in: bytes, into: &output)
        case .prepend: beginStore(.prepend, in: bytes, into: &output)
        case .cas: beginStore(.cas, in: bytes, into: &output)
        case .incr: arithmetic(increment: true, in: bytes, into: &output)
        case .decr: arithmetic(increment: false, in: bytes, into: &output)
        case .delete: delete(in: bytes, into: &output)
        case .touch: touch(in: bytes, into: &output)
        case .stats: stats(in: bytes, into: &output)
        case .flushAll: flushAll(in: bytes, into: &output)
        case .version:
            output.append(ResponseLine.versionPrefix)
            output.appendText(reportedVersion)
            output.append(ResponseLine.lineEnd)
        case .verbosity: verbosity(in: bytes, into: &output)
        case .slabs: slabs(in: bytes, into: &output)
        case .lru: lru(in: bytes, into: &output)
        case .lruCrawler: lruCrawler(in: bytes, into: &output)
        case .quit: closeRequested = true
        case .shutdown: shutdown(in: bytes, into: &output)
        case .cacheMemoryLimit: cacheMemoryLimit(in: bytes, into: &output)
        case .watch: watch(in: bytes, into: &output)
        case .refreshCertificates: refreshCertificates(into: &output)
        case .metaNoOp: output.append(ResponseLine.metaNoOp)
        case .metaGet: metaGet(in: bytes, into: &output)
        case .metaSet: metaSet(in: bytes, into: &output)
        case .metaDelete: metaDelete(in: bytes, into: &output)
        case .metaArithmetic: metaArithmetic(in: bytes, into: &output)
        case .metaDebug: metaDebug(in: bytes, into: &output)
        }
    }

    /// memcached's `set_noreply_maybe`: the last word of the line is `noreply`.
    func takeNoreply(in bytes: UnsafeRawBufferPointer) -> Bool {
        if bytes.span(tokens[tokens.count - 1], equals: "noreply") { noreply = true }
        return noreply
    }

    /// The key in word 1, if acceptable (length, and no control characters: see `KeyRules`).
    func validKey(in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        let key = bytes[span: tokens[1]]
        return KeyRules.isAcceptable(key) ? key : nil
    }

    /// The bytes of word `index`.
    func word(_ index: Int, in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        bytes[span: tokens[index]]
    }

    /// get_expired / get_flushed count every lookup that found a dead item, as memcached's
    /// `do_item_get` does.
    func countDeadItem(_ result: LookupResult) {
        switch result {
        case .expired: counters.add(.getExpired)
        case .flushed: counters.add(.getFlushed)
        case .hit, .miss: break
        }
    }
}
