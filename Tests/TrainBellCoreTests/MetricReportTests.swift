import Testing
import TrainBellCore

/// The rules of a metrics report and how a job's reports become rows.
@Suite struct MetricReportTests {
    @Test func acceptsNonFiniteValuesAndSortsByName() throws {
        let report = try MetricReport(step: 7, values: [("loss", .nan), ("grad_norm", .infinity), ("lr", -.infinity)])
        #expect(report.values.map(\.name) == ["grad_norm", "loss", "lr"])
    }

    @Test func refusesTooManyMetrics() {
        let values = (0...MetricReport.maximumMetrics).map { ("m\($0)", 1.0) }
        #expect(throws: ValidationError("65 metrics in one report; at most 64 are accepted (send the others in another report)")) {
            try MetricReport(step: 0, values: values)
        }
    }

    @Test(arguments: [
        ("", "an empty metric name is not accepted: 1 to 64 printable ASCII characters"),
        (String(repeating: "a", count: 65),
         "metric name \"\(String(repeating: "a", count: 64))…\" is 65 bytes long; at most 64 printable ASCII characters are accepted"),
        ("lo\nss", "metric name \"lo?ss\" holds bytes that are not printable ASCII (shown as ?); accepted: 1 to 64 characters from space to ~"),
        ("é", "metric name \"??\" holds bytes that are not printable ASCII (shown as ?); accepted: 1 to 64 characters from space to ~"),
    ])
    func refusesBadNames(name: String, message: String) {
        #expect(throws: ValidationError(message)) { try MetricReport(step: 0, values: [(name, 1)]) }
    }

    @Test func acceptsSixtyFourPrintableBytes() throws {
        let name = String(repeating: "~", count: 63) + " "
        #expect(try MetricReport(step: 0, values: [(name, 1)]).values.count == 1)
    }

    @Test func keepingLeavesOutWhatWouldBeRefused() {
        var values: [String: Double] = ["": 1, "ä": 2, String(repeating: "x", count: 65): 3]
        for index in 0..<70 { values["m\(100 + index)"] = Double(index) }
        let report = MetricReport.keeping(step: 3, values)
        #expect(report?.values.map(\.name) == (0..<64).map { "m\(100 + $0)" })
        #expect(report?.step == 3)
        #expect(MetricReport.keeping(step: 0, ["é": 1]) == nil)
    }

    @Test func refusesANameTwice() {
        #expect(throws: ValidationError("metric name \"loss\" is given twice; each name once per report")) {
            try MetricReport(step: 0, values: [("loss", 1), ("loss", 2)])
        }
    }

    @Test func rowsKeepTheValuesOfOneReportTogether() throws {
        var metrics = JobMetrics()
        try metrics.record(MetricReport(step: 10, values: [("loss", 2), ("acc", 0.1)]))
        try metrics.record(MetricReport(step: 20, values: [("loss", 1)]))
        let rows = metrics.rows
        #expect(rows.map(\.step) == [10, 20])
        #expect(rows[0].values.map(\.name) == ["acc", "loss"])
        #expect(rows[1].values.map(\.value) == [1])
        #expect(JobMetrics(series: metrics.series).nextOrder == 2)
    }

    @Test func refusesNamesBeyondTheJobsBound() throws {
        var metrics = JobMetrics()
        for batch in 0..<(JobMetrics.maximumNames / 64) {
            try metrics.record(MetricReport(step: 0, values: (0..<64).map { ("m\(batch)-\($0)", 1.0) }))
        }
        #expect(throws: ValidationError("the job has 256 metrics and this report adds 1; at most 256 names are kept per job")) {
            try metrics.record(MetricReport(step: 1, values: [("new", 1)]))
        }
        try metrics.record(MetricReport(step: 1, values: [("m0-0", 1)]))
    }
}
