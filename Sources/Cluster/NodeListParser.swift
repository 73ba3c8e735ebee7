/// Reads a node list: `host|ip|port` entries separated by spaces or newlines, `#` to end of line a
/// comment. The whole list is refused on the first bad entry so that a half-written or mistyped file
/// never replaces a good list.
public enum NodeListParser {
    public static func parse(_ text: String) throws -> [ClusterNode] {
        var nodes: [ClusterNode] = []
        var seen = Set<String>()
        // `isNewline` also matches "\r\n", which a Swift String holds as one Character.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            for entry in content.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                let node = try ClusterNode(entry: entry)
                guard seen.insert(node.identity).inserted else { throw ClusterInputError.duplicateNode(node.identity) }
                nodes.append(node)
            }
        }
        return nodes
    }
}
