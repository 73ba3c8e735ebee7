import CacheEngine
import MemcacheProtocol
import OutputBuffers

/// `lru_crawler enable|disable`, `sleep <us>`, `tocrawl <n>`, `crawl <ids|all>` and
/// `metadump <ids|all|hash>`, answered as memcached 1.6.18's `process_lru_crawler_command` (its word
/// counts, its order of checks, its replies; none of them takes `noreply`).
///
/// Differences: a metadump runs on this connection's worker before the next request is read (in
/// memcached the crawler thread writes it), so `hash` — memcached's walk of the hash table instead of
/// the LRUs — lists the same items by walking every class. Keys are as memcached prints them.
extension TextSession {
    func lruCrawler(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        let words = tokens.count
        if words == 3, bytes.span(tokens[1], equals: "crawl") {
            crawl(in: bytes, into: &output)
        } else if words == 3, bytes.span(tokens[1], equals: "metadump") {
            metadump(in: bytes, into: &output)
        } else if words == 3, bytes.span(tokens[1], equals: "tocrawl") {
            guard let count = ProtocolNumbers.parseUInt32(word(2, in: bytes)) else {
                return output.append(ResponseLine.badCommandLineFormat)
            }
            engine.lruCrawlerToCrawl = count
            output.append(ResponseLine.ok)
        } else if words == 3, bytes.span(tokens[1], equals: "sleep") {
            guard let microseconds = ProtocolNumbers.parseUInt32(word(2, in: bytes)) else {
                return output.append(ResponseLine.badCommandLineFormat)
            }
            guard microseconds <= 1_000_000 else { return output.append(ResponseLine.crawlerSleepTooLong) }
            engine.lruCrawlerSleep = microseconds
            output.append(ResponseLine.ok)
        } else if words == 2, bytes.span(tokens[1], equals: "enable") {
            output.append(engine.enableLRUCrawler() ? ResponseLine.ok : ResponseLine.crawlerStartFailed)
        } else if words == 2, bytes.span(tokens[1], equals: "disable") {
            engine.disableLRUCrawler()
            output.append(ResponseLine.ok)
        } else {
            output.append(ResponseLine.error)
        }
    }

    private func crawl(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        guard engine.lruCrawlerEnabled else { return output.append(ResponseLine.crawlerDisabled) }
        let selection = crawlerClasses(word(2, in: bytes))
        switch selection {
        case .badClass: return output.append(ResponseLine.crawlerBadClass)
        // memcached walks the hash table only for metadumps; a crawl of it fails.
        case .hash: return output.append(ResponseLine.crawlerUnknownError)
        case .classes(let mask):
            guard mask != 0 else { return output.append(ResponseLine.crawlerNotStarted) }
            appendStart(engine.requestCrawl(classes: mask), into: &output, okLine: true)
        }
    }

    private func metadump(in bytes: UnsafeRawBufferPointer, into output: inout OutputBuffer) {
        guard engine.lruCrawlerEnabled else { return output.append(ResponseLine.crawlerDisabled) }
        guard context.server.settings.dumpEnabled else { return output.append(ResponseLine.metadumpNotAllowed) }
        // memcached hands the connection to its crawler thread, so earlier answers must have been sent;
        // it sends them at once after a retrieval or mn (see lastCommandFlushed).
        guard output.isEmpty || lastCommandFlushed else { return output.append(ResponseLine.metadumpPipelined) }
        let mask: SlabClassMask
        switch crawlerClasses(word(2, in: bytes)) {
        case .badClass: return output.append(ResponseLine.crawlerBadClass)
        case .hash: mask = TextSession.allCrawlerClasses
        case .classes(let selected): mask = selected
        }
        guard mask != 0 else { return output.append(ResponseLine.crawlerNotStarted) }
        let start = engine.metadump(classes: mask) { item in
            TextSession.appendMetadumpLine(item, into: &output)
        }
        if start == .started {
            output.append(ResponseLine.end)
        } else {
            appendStart(start, into: &output, okLine: false)
        }
    }

    private func appendStart(_ start: CrawlerStart, into output: inout OutputBuffer, okLine: Bool) {
        switch start {
        case .started: if okLine { output.append(ResponseLine.ok) }
        case .busy: output.append(ResponseLine.crawlerBusy)
        case .disabled: output.append(ResponseLine.crawlerDisabled)
        }
    }

    /// `key=<uri-encoded key> exp=<unix|-1> la=<unix> cas=<n> fetch=<yes|no> cls=<id> size=<bytes>`
    /// ending in a bare "\n", as memcached 1.6.18 prints it.
    static func appendMetadumpLine(_ item: CrawledItem, into output: inout OutputBuffer) {
        output.append("key=")
        URIEncoding.append(item.key, into: &output)
        output.append(" exp=")
        output.appendDecimal(item.expiry)
        output.append(" la=")
        output.appendDecimal(item.lastAccess)
        output.append(" cas=")
        output.appendDecimal(item.cas)
        output.append(item.wasFetched ? " fetch=yes cls=" : " fetch=no cls=")
        output.appendDecimal(UInt64(item.slabClass))
        output.append(" size=")
        output.appendDecimal(UInt64(item.size))
        output.append(byte: UInt8(ascii: "\n"))
    }

    // MARK: Class lists

    enum CrawlerClasses: Equatable {
        case classes(SlabClassMask)
        case hash
        case badClass
    }

    /// Every class but the unused 0.
    static let allCrawlerClasses: SlabClassMask = ~1

    /// `all`, `hash`, or comma-separated class ids 1...63 as memcached, or up to the largest class of a
    /// finer table (`nameableClassLimit`); empty pieces skipped, as strtok does.
    func crawlerClasses(_ list: UnsafeRawBufferPointer) -> CrawlerClasses {
        if list.elementsEqual("all".utf8) { return .classes(TextSession.allCrawlerClasses) }
        if list.elementsEqual("hash".utf8) { return .hash }
        var mask: SlabClassMask = 0
        for piece in list.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true) {
            guard let id = ProtocolNumbers.parseUInt32(UnsafeRawBufferPointer(rebasing: piece)),
                  id >= 1, id <= UInt32(engine.nameableClassLimit) else { return .badClass }
            mask |= 1 << SlabClassMask(id)
        }
        return .classes(mask)
    }
}
