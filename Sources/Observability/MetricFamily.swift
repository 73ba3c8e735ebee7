/// One Prometheus metric family: a name, its help text, its type and its samples.
public struct MetricFamily: Equatable, Sendable {
    public enum Kind: String, Sendable {
        case counter, gauge
    }

    public struct Sample: Equatable, Sendable {
        /// Label names and values, in the order they are written.
        public var labels: [(name: String, value: String)]
        public var value: Double

        public init(labels: [(name: String, value: String)] = [], value: Double) {
            self.labels = labels
            self.value = value
        }

        public static func == (lhs: Sample, rhs: Sample) -> Bool {
            lhs.value == rhs.value && lhs.labels.elementsEqual(rhs.labels) { $0 == $1 }
        }
    }

    public let name: String
    public let help: String
    public let kind: Kind
    public var samples: [Sample]

    public init(name: String, help: String, kind: Kind, samples: [Sample] = []) {
        self.name = name
        self.help = help
        self.kind = kind
        self.samples = samples
    }
}
