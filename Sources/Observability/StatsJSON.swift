import RequestHandling

/// `/stats.json`: every `stats` group, plus Swiftcached's own figures, as one JSON object:
///
///     {"general": {"pid": 1, …}, "settings": {…},
///      "items": {"1": {"number": 3, …}, …}, "slabs": {"1": {"chunk_size": 88, …}, "active_slabs": 1, …},
///      "sizes": {…}, "conns": {},
///      "swiftcached": {"policy": "s3fifo", "queues": {"1": {"small": 3, "main": 0}}, "workers": [{…}]}}
///
/// Per-class names (`items:1:number`, `1:chunk_size`) are nested under their class so a reader
/// need not split them; every other name is `stats`' own. `conns` stays empty: `stats conns` asks
/// every worker for its connections, which the admin thread (no worker) leaves alone.
public enum StatsJSON {
    public static func render(_ snapshot: StatsSnapshot, figures: ServerFigures) -> String {
        JSONText.object([
            ("general", flat(snapshot[.general])),
            ("settings", flat(snapshot[.settings])),
            ("items", nested(snapshot[.items], key: ClassStatKey.init(itemsName:))),
            ("slabs", nested(snapshot[.slabs], key: ClassStatKey.init(slabsName:))),
            ("sizes", flat(snapshot[.sizes])),
            ("conns", "{}"),
            ("swiftcached", own(figures)),
        ])
    }

    static func flat(_ lines: [StatLine]) -> String {
        JSONText.object(lines.map { ($0.name, JSONText.value($0.value)) })
    }

    /// Lines with a class go into one object per class, in the order classes appear; the others
    /// (totals) follow as plain members.
    static func nested(_ lines: [StatLine], key: (String) -> ClassStatKey?) -> String {
        var classOrder: [String] = []
        var perClass: [String: [(String, String)]] = [:]
        var totals: [(String, String)] = []
        for line in lines {
            if let key = key(line.name) {
                if perClass[key.classID] == nil { classOrder.append(key.classID) }
                perClass[key.classID, default: []].append((key.field, JSONText.value(line.value)))
            } else {
                totals.append((line.name, JSONText.value(line.value)))
            }
        }
        return JSONText.object(classOrder.map { ($0, JSONText.object(perClass[$0] ?? [])) } + totals)
    }

    static func own(_ figures: ServerFigures) -> String {
        var classOrder: [Int] = []
        var queues: [Int: [(String, String)]] = [:]
        for queue in figures.queues {
            if queues[queue.classID] == nil { classOrder.append(queue.classID) }
            queues[queue.classID, default: []].append((queue.queue, String(queue.items)))
        }
        let workers = figures.workers.map {
            JSONText.object([("worker", String($0.worker)), ("connections", String($0.open)), ("connections_total", String($0.opened))])
        }
        return JSONText.object([
            ("policy", JSONText.string(figures.policy)),
            ("queues", JSONText.object(classOrder.map { (String($0), JSONText.object(queues[$0] ?? [])) })),
            ("workers", "[" + workers.joined(separator: ",") + "]"),
        ])
    }
}
