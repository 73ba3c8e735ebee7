import XCTest
import MemcacheProtocol

final class CommandRecognizerTests: XCTestCase {
    private func recognize(_ line: String) -> Recognition {
        let table = TokenTable()
        return Array(line.utf8).withUnsafeBytes { raw in
            table.fill(from: raw, line: ByteSpan(start: 0, count: raw.count))
            return CommandRecognizer.recognize(table, in: raw)
        }
    }

    func testEveryCommandWithItsWordCounts() {
        let accepted: [(String, CommandKind)] = [
            ("get a", .get), ("get a b c", .get), ("bget a", .get), ("gets a", .gets),
            ("gat 1 a", .gat), ("gat 1", .gat), ("gats 1 a", .gats),
            ("set k 0 0 1", .set), ("set k 0 0 1 noreply", .set), ("add k 0 0 1", .add),
            ("replace k 0 0 1", .replace), ("append k 0 0 1", .append), ("prepend k 0 0 1 x", .prepend),
            ("cas k 0 0 1 5", .cas), ("cas k 0 0 1 5 noreply", .cas),
            ("incr k 1", .incr), ("incr k 1 noreply", .incr), ("decr k 1", .decr),
            ("delete k", .delete), ("delete k 0", .delete), ("delete k 0 noreply", .delete),
            ("touch k 1", .touch), ("touch k 1 noreply", .touch),
            ("stats", .stats), ("stats items", .stats), ("stats a b c d", .stats),
            ("flush_all", .flushAll), ("flush_all 5", .flushAll), ("flush_all 5 noreply", .flushAll),
            ("version", .version), ("version x", .version), ("quit", .quit), ("quit now", .quit),
            ("verbosity 1", .verbosity), ("verbosity 1 noreply", .verbosity),
            ("shutdown", .shutdown), ("shutdown graceful", .shutdown), ("mn", .metaNoOp),
            // memcached ignores refresh_certs' further words.
            ("refresh_certs", .refreshCertificates), ("refresh_certs x y", .refreshCertificates),
        ]
        for (line, kind) in accepted {
            XCTAssertEqual(recognize(line), .command(kind), line)
        }
    }

    func testWrongCountsAndUnknownCommandsAreErrors() {
        let errors = [
            "", "\r", "a", "get", "gets", "gat", "getx a", "set k 0 0", "set k 0 0 1 noreply x",
            "add k", "cas k 0 0 1", "cas k 0 0 1 2 3 4", "incr k", "incr k 1 2 3", "decr k",
            "delete", "delete a b c d", "touch k", "touch k 1 2 3", "flush_all 1 2 3",
            "verbosity", "verbosity 1 2 3", "sxx HTTP/1.1", "mx a v",
            "cache_memlimit", "cache_memlimit 1 2 3", "GET", "bogus", "refresh_cert", "refresh_certsx",
            "set " + (1...30).map(String.init).joined(separator: " "),
        ]
        for line in errors {
            XCTAssertEqual(recognize(line), .error, line.debugDescription)
        }
    }

    func testSlabsIsRecognizedWhateverItsWords() {
        // memcached checks the sub-command and its word count in the command itself.
        for line in ["slabs reassign 1 2", "slabs automove 1", "slabs", "slabs foo"] {
            XCTAssertEqual(recognize(line), .command(.slabs), line)
        }
    }

    func testLRUCrawlerIsRecognizedWhateverItsWords() {
        for line in ["lru_crawler metadump all", "lru_crawler enable", "lru_crawler", "lru_crawler a b c d"] {
            XCTAssertEqual(recognize(line), .command(.lruCrawler), line)
        }
    }

    func testHttpRequestLineClosesTheConnection() {
        XCTAssertEqual(recognize("GET / HTTP/1.1"), .closeConnection)
        XCTAssertEqual(recognize("POST /x HTTP/1.0"), .closeConnection)
        // Lower-case get is a get command whatever its keys look like.
        XCTAssertEqual(recognize("get / HTTP/1.1"), .command(.get))
    }
}
