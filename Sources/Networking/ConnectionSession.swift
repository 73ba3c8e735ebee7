import OutputBuffers

/// What a connection feeds its bytes to: one connection's protocol state, made by the session
/// factory the executable wires into `Server` (`Server.WorkerSetup.makeSession`) and used only on
/// the connection's worker thread. The cache's sessions (RequestHandling), the configuration
/// endpoint's (ClusterService) and the tests' echo session conform; Networking knows none of them.
public protocol ConnectionSession: AnyObject {
    /// Handles the complete requests at the front of `input` (at most `requestLimit` of them) and
    /// appends their answers to `output`; incomplete trailing bytes stay unconsumed.
    func process(_ input: UnsafeRawBufferPointer, into output: inout OutputBuffer, requestLimit: Int) -> SessionProgress
    /// The connection is closing: let go of what the session holds.
    func close()
    /// Once `process` reported `startsFeed`: what this connection sends from then on.
    var outputFeed: OutputFeed? { get }
}

extension ConnectionSession {
    public var outputFeed: OutputFeed? { nil }
}
