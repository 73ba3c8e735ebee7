/// What one probe says about a node. `inconclusive` is the endpoint's own trouble — no descriptor,
/// no buffer, no ephemeral port, a name server that did not answer — and says nothing about the
/// node: it changes neither the node's health nor the list.
public enum ProbeOutcome: Sendable, Equatable {
    case up, down, inconclusive
}
