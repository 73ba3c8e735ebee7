import Cluster
import Networking
#if canImport(Glibc)
import Glibc
#endif

/// One request sent to many nodes at once and each answer read with a deadline: the endpoint's
/// probes (`version`) and its cluster view (`stats`). One `poll` loop drives them all (no thread
/// per node), at most `window` at a time — each holds a descriptor — so a round over N nodes takes
/// at most ceil(N / window) × timeout.
enum ParallelExchanges {
    /// How one exchange ended, and the bytes it read (whole only when `outcome` is `.up`).
    struct Result: Equatable {
        var outcome: ProbeOutcome
        var answer: [UInt8]
    }

    private struct Running {
        let node: ClusterNode
        var exchange: Exchange
        let deadline: Double
    }

    /// `dial` starts one connect; `isComplete` says when an answer is whole. An answer that is not
    /// whole by the deadline, or longer than `maxAnswer`, is `down`. With `tls` the exchanges speak
    /// TLS (nodes started with `-Z`): the node's certificate must chain to the context's CAs; its
    /// name is not checked, as the listed host need not be what it names.
    static func run(_ nodes: [ClusterNode], request: [UInt8], maxAnswer: Int, timeout: Double, window: Int,
                    tls: TLSClientContext? = nil,
                    dial: (ClusterNode) -> TCPDialer.Start, isComplete: ([UInt8]) -> Bool) -> [ClusterNode: Result] {
        var results: [ClusterNode: Result] = [:]
        var waiting = nodes[...]
        var running: [Running] = []
        while !waiting.isEmpty || !running.isEmpty {
            while running.count < max(1, window), let node = waiting.popFirst() {
                switch dial(node) {
                case let .started(fd):
                    guard let exchange = Exchange(fd: fd, request: request, maxReceived: maxAnswer, tls: tls) else {
                        close(fd)
                        results[node] = Result(outcome: .inconclusive, answer: [])  // no memory for the TLS state: our trouble
                        continue
                    }
                    running.append(Running(node: node, exchange: exchange, deadline: monotonicNow() + timeout))
                case let .failed(outcome):
                    results[node] = Result(outcome: outcome, answer: [])
                }
            }
            guard !running.isEmpty else { continue }
            if !advance(&running, isComplete: isComplete) {
                // poll itself failed (ENOMEM, …): the endpoint's trouble, not the nodes'.
                for exchange in running { results[exchange.node] = Result(outcome: .inconclusive, answer: []) }
                running.forEach { $0.exchange.finish() }
                running.removeAll()
                continue
            }
            let now = monotonicNow()
            running.removeAll { item in
                guard item.exchange.finished || now >= item.deadline else { return false }
                item.exchange.finish()
                // No answer in time: down.
                results[item.node] = Result(outcome: item.exchange.outcome ?? .down, answer: item.exchange.received)
                return true
            }
        }
        return results
    }

    /// One `poll` over the running exchanges until the nearest deadline; advances the ready ones.
    /// False when poll failed for a reason other than a signal.
    private static func advance(_ running: inout [Running], isComplete: ([UInt8]) -> Bool) -> Bool {
        let nearest = running.map(\.deadline).min()! - monotonicNow()
        var pollers = running.map { pollfd(fd: $0.exchange.fd, events: $0.exchange.wantedEvents, revents: 0) }
        let ready = poll(&pollers, nfds_t(pollers.count), Int32(max(1, nearest * 1000)))
        guard ready >= 0 else { return errno == EINTR }
        for index in running.indices where pollers[index].revents != 0 {
            running[index].exchange.advance(isComplete: isComplete)
        }
        return true
    }
}
