import XCTest
@testable import Observability

final class PrometheusTextTests: XCTestCase {
    func testFamilyIsWrittenOnceWithHelpTypeAndSamples() {
        let family = MetricFamily(name: "m_total", help: "Things.", kind: .counter, samples: [
            .init(labels: [("a", "x")], value: 3), .init(labels: [("a", "y")], value: 4),
        ])
        XCTAssertEqual(PrometheusText.render([family]),
                       "# HELP m_total Things.\n# TYPE m_total counter\nm_total{a=\"x\"} 3\nm_total{a=\"y\"} 4\n")
    }

    func testEmptyFamilyIsLeftOut() {
        XCTAssertEqual(PrometheusText.render([MetricFamily(name: "m", help: "h", kind: .gauge)]), "")
    }

    func testLabelValuesAndHelpAreEscaped() {
        XCTAssertEqual(PrometheusText.escapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd")
        XCTAssertEqual(PrometheusText.escapeHelp("say \"x\"\\\n"), "say \"x\"\\\\\\n")
    }

    func testNumbers() {
        XCTAssertEqual(PrometheusText.format(12), "12")
        XCTAssertEqual(PrometheusText.format(0.25), "0.25")
        XCTAssertEqual(PrometheusText.format(18446744073709551615), "1.8446744073709552e+19")
        XCTAssertEqual(PrometheusText.format(.infinity), "+Inf")
        XCTAssertEqual(PrometheusText.format(-.infinity), "-Inf")
        XCTAssertEqual(PrometheusText.format(.nan), "NaN")
    }
}
