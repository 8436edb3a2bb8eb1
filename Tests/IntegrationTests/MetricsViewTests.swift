import BusTestSupport
import DBus
import Foundation
import Testing
import TrainBellAPI

/// What a shell user sees of the metrics (issue 11 item 4): a sparkline of the loss in `trainbell
/// status`, the points in `trainbell history JOB --metrics [--json]`.
@Suite struct MetricsViewTests {
    @Test func statusDrawsTheLossAndHistoryPrintsThePoints() throws {
        let session = try DaemonSession(withServer: false)
        defer { session.stop() }
        let client = session.client
        _ = try client.startJob("curve", title: "Curve", total: 1_000)
        try client.progress("curve", 100)
        for step in 1...8 { try client.api.reportMetrics("curve", step: UInt64(step * 10), ["loss": Double(9 - step), "lr": 0.5]) }

        let status = try session.trainbell(["status"])
        #expect(status.status == 0 && status.stdout.contains("loss █▇▆▅▄▃▂▁ 1"), "\(status.stdout)\(status.stderr)")

        let json = try session.trainbell(["history", "curve", "--metrics", "--json", "--limit", "2"])
        #expect(json.stdout == "[{\"step\":70,\"values\":{\"loss\":2.0,\"lr\":0.5}},{\"step\":80,\"values\":{\"loss\":1.0,\"lr\":0.5}}]\n",
                "\(json.stdout)\(json.stderr)")
        try client.api.reportMetrics("curve", step: 90, ["loss": .nan])
        let withNaN = try session.trainbell(["history", "curve", "--metrics", "--json", "--limit", "1"])
        #expect(withNaN.stdout == "[{\"step\":90,\"values\":{\"loss\":null}}]\n")
        let text = try session.trainbell(["history", "curve", "--metrics", "--limit", "1"])
        #expect(text.stdout.contains("90") && text.stdout.contains("loss=nan"), "\(text.stdout)")

        let refused = try session.trainbell(["history", "--metrics"])
        #expect(refused.status == 64 && refused.stderr.contains("--metrics needs a job id"), "\(refused.stderr)")
    }
}
