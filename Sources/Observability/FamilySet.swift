/// Families gathered in the order they are first named, so each family's samples stay together
/// however the sources interleave (the text format allows a family only once).
struct FamilySet {
    private(set) var families: [MetricFamily] = []
    private var index: [String: Int] = [:]

    mutating func add(_ name: String, _ help: String, _ kind: MetricFamily.Kind,
                      labels: [(name: String, value: String)] = [], value: Double) {
        let position: Int
        if let known = index[name] {
            position = known
        } else {
            position = families.count
            index[name] = position
            families.append(MetricFamily(name: name, help: help, kind: kind))
        }
        families[position].samples.append(MetricFamily.Sample(labels: labels, value: value))
    }
}
