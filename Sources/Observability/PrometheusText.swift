/// Writes metric families in the Prometheus text exposition format, version 0.0.4: `# HELP` and
/// `# TYPE` once per family, then one line per sample. A family without samples is left out (the
/// format allows it, but an empty family says nothing).
public enum PrometheusText {
    /// The Content-Type a scraper expects for this format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ families: [MetricFamily]) -> String {
        var text = ""
        for family in families where !family.samples.isEmpty {
            text += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            text += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for sample in family.samples {
                text += family.name + labelSet(sample.labels) + " " + format(sample.value) + "\n"
            }
        }
        return text
    }

    /// `{a="x",b="y"}`, or nothing for no labels.
    static func labelSet(_ labels: [(name: String, value: String)]) -> String {
        guard !labels.isEmpty else { return "" }
        return "{" + labels.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ",") + "}"
    }

    /// In help text only backslash and line feed are escaped.
    static func escapeHelp(_ text: String) -> String {
        escape(text, quote: false)
    }

    /// In label values, the double quote too.
    static func escapeLabelValue(_ text: String) -> String {
        escape(text, quote: true)
    }

    private static func escape(_ text: String, quote: Bool) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\"" where quote: result += "\\\""
            default: result.append(character)
            }
        }
        return result
    }

    /// Whole numbers without a fraction (counters read as integers), others as Swift prints a
    /// Double (shortest round-trip form); the format's spellings for infinities and NaN.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
