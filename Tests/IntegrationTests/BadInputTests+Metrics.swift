import BusTestSupport
import DBus
import Testing

/// `ReportMetrics` bad input (issue 11, item 1): too many names, long or unprintable names, wrong
/// types each get a clear error, nothing of the call is kept, and the daemon stays alive.
extension BadInputTests {
    static func metrics(_ entries: [(String, Double)]) -> DBusValue {
        .dictionary(key: .string, value: .double, entries.map { DictEntry(.string($0.0), .double($0.1)) })
    }

    @Test func reportMetricsBadInputGetsClearErrorsAndTheDaemonStaysAlive() throws {
        let d = try ServingDaemon()
        let tooMany = (0...64).map { ("m\($0)", 1.0) }
        Self.expect(d.error("ReportMetrics", [.string("seed"), .uint64(1), Self.metrics(tooMany)]), Self.invalidArgument,
                    mentions: ["argument 'metrics'", "65 metrics in one report", "at most 64"])
        Self.expect(d.error("ReportMetrics", [.string("seed"), .uint64(1), Self.metrics([(String(repeating: "x", count: 65), 1)])]),
                    Self.invalidArgument, mentions: ["is 65 bytes long", "at most 64 printable ASCII characters"])
        Self.expect(d.error("ReportMetrics", [.string("seed"), .uint64(1), Self.metrics([("", 1)])]),
                    Self.invalidArgument, mentions: ["an empty metric name is not accepted"])
        Self.expect(d.error("ReportMetrics", [.string("seed"), .uint64(1), Self.metrics([("lo\u{1B}ss", 1)])]),
                    Self.invalidArgument, mentions: ["\"lo?ss\"", "not printable ASCII"])
        Self.expect(d.error("ReportMetrics", [.string("seed"), .uint64(1), .vardict([("loss", .variant(.double(1)))])]),
                    .invalidArgs, mentions: ["expects arguments of signature 'sta{sd}', got 'sta{sv}'"])
        Self.expect(d.error("ReportMetrics", [.string("seed"), .string("1"), Self.metrics([("loss", 1)])]),
                    .invalidArgs, mentions: ["expects arguments of signature 'sta{sd}', got 'ssa{sd}'"])
        Self.expect(d.error("ReportMetrics", [.string("seed"), .uint64(1)]), .invalidArgs, mentions: ["expects arguments of signature 'sta{sd}', got 'st'"])
        Self.expect(d.error("ReportMetrics", [.string(""), .uint64(1), Self.metrics([("loss", 1)])]), Self.invalidArgument,
                    mentions: [Self.acceptedIDs])
        Self.expect(d.error("GetMetrics", [.uint32(1)]), .invalidArgs, mentions: ["GetMetrics expects arguments of signature 's', got 'u'"])
        // Nothing of the refused calls was kept, and no job was started by them.
        #expect(try d.client.api.metrics(of: "seed").isEmpty)
        #expect(d.client.error("GetMetrics", [.string("")])?.name == Self.invalidArgument)
        // Past the names a job keeps: refused, the job's metrics as they were.
        for batch in 0..<4 {
            try d.client.api.reportMetrics("seed", step: 2, Dictionary(uniqueKeysWithValues: (0..<64).map { ("b\(batch)-\($0)", 1.0) }))
        }
        Self.expect(d.error("ReportMetrics", [.string("seed"), .uint64(3), Self.metrics([("one-more", 1)])]), .limitsExceeded,
                    mentions: ["job 'seed'", "at most 256 names are kept per job"])
        #expect(try d.client.api.metrics(of: "seed").count == 4)
        try d.expectStillServing()
    }
}
