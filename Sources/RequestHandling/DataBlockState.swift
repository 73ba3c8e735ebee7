/// A store's data block as it arrives: copied into its item chunk by chunk (text and binary sessions
/// each have their own, for their framing).
protocol DataBlockReception {
    /// Takes what belongs to the block from `input` at `start`; returns how many bytes it took.
    mutating func receive(from input: UnsafeRawBufferPointer, at start: Int) -> Int
    var isComplete: Bool { get }
}

/// Where a connection is in memcached's read cycle, for both protocols: waiting for the next
/// request, taking in a store's data block, or reading and dropping the block of a refused store —
/// whose answer (`Refusal`), as in memcached, goes out only once the block is gone.
enum DataBlockState<Reception: DataBlockReception, Refusal> {
    case awaitingRequest
    case receivingValue(Reception)
    case swallowing(remaining: Int, answer: Refusal)

    /// What `continueBlock` got to.
    enum Outcome {
        /// The input ran out first; the state keeps the progress.
        case needsMoreInput
        /// The block is complete: store it. The state is `awaitingRequest` again.
        case received(Reception)
        /// The refused block is gone: send its answer. The state is `awaitingRequest` again.
        case swallowed(Refusal)
    }

    /// Feeds the pending block from `input` at `position`, which moves past what was taken. Not for
    /// `awaitingRequest` (the session parses a request then).
    mutating func continueBlock(_ input: UnsafeRawBufferPointer, at position: inout Int) -> Outcome {
        switch self {
        case .receivingValue(var reception):
            position += reception.receive(from: input, at: position)
            guard reception.isComplete else {
                self = .receivingValue(reception)
                return .needsMoreInput
            }
            self = .awaitingRequest
            return .received(reception)
        case .swallowing(let remaining, let answer):
            let taken = min(remaining, input.count - position)
            position += taken
            guard taken == remaining else {
                self = .swallowing(remaining: remaining - taken, answer: answer)
                return .needsMoreInput
            }
            self = .awaitingRequest
            return .swallowed(answer)
        case .awaitingRequest:
            preconditionFailure("no data block pending")
        }
    }
}
