/// Where in a configuration file something is wrong: `path:line` (the line is nil for the file as a
/// whole, or for a setting only wrong in combination with the command line).
public struct Location: Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let line: Int?

    public init(path: String, line: Int?) {
        self.path = path
        self.line = line
    }

    public var description: String { line.map { "\(path):\($0)" } ?? path }
}

/// A configuration file that cannot be used, with the place and the reason: "FILE:LINE: reason".
public struct ConfigFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let location: Location
    public let reason: String

    public init(_ location: Location, _ reason: String) {
        self.location = location
        self.reason = reason
    }

    public var description: String { "\(location): \(reason)" }
}
