import Cluster
#if canImport(Glibc)
import Glibc
#endif

/// Sorts the ways a probe's socket calls fail into what says something about the node and what is
/// only the endpoint's own trouble. A node may be dropped only on evidence that it is down, so
/// anything not known to come from the peer (or the path to it) is inconclusive: running out of
/// descriptors (EMFILE, ENFILE), buffers or memory (ENOBUFS, ENOMEM), ephemeral ports
/// (EADDRNOTAVAIL), a local network that is down (ENETDOWN, ENETUNREACH), or an error we did not
/// expect must never empty the list.
enum SocketFailure {
    static func outcome(errno code: Int32) -> ProbeOutcome {
        switch code {
        case ECONNREFUSED, ECONNRESET, ECONNABORTED, ETIMEDOUT, EHOSTUNREACH, EHOSTDOWN, EPIPE:
            return .down
        case EPROTO:
            // A TLS failure (`TLSCallOutcome`): the peer spoke no TLS, or its certificate did not
            // verify. Clients would be refused alike, so the node is no use to them.
            return .down
        default:
            return .inconclusive
        }
    }

    /// getaddrinfo: a name that does not exist is evidence; a resolver that could not answer
    /// (EAI_AGAIN, EAI_MEMORY, EAI_SYSTEM — it needs descriptors too) is not.
    static func outcome(resolverError code: Int32) -> ProbeOutcome {
        code == EAI_NONAME || code == EAI_FAIL ? .down : .inconclusive
    }
}
