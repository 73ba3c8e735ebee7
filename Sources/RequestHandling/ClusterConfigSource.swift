/// Where a data node gets its answer to `config get cluster`: the configuration endpoint's current
/// view, kept up to date by the node's registration thread (see the Cluster modules). Called from
/// worker threads, so implementations must be thread-safe.
public protocol ClusterConfigSource: AnyObject, Sendable {
    /// The complete `CONFIG cluster …END\r\n` answer, or nil while the endpoint's view is not known yet.
    func configGetClusterResponse() -> [UInt8]?
}
