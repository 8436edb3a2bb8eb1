import BusTestSupport
import DBus
import Foundation
import Testing
import TrainBellAPI

/// `ReportMetrics` and `GetMetrics` (issue 11, item 1) against the real daemon: what a trainer
/// reports comes back by report, NaN included; an unknown id starts a job; a new run starts the
/// metrics over; a restarted daemon (stopped cleanly, or killed after the job ended) still answers.
@Suite(.serialized) struct MetricsTests {
    /// The rows as (step, sorted name=value texts), NaN spelled "nan", for exact comparisons.
    static func text(_ rows: [MetricsRow]) -> [String] {
        rows.map { row in "\(row.step): " + row.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
    }

    @Test func reportedMetricsComeBackByReportOldestFirst() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        _ = try client.startJob("train", total: 100)
        try client.api.reportMetrics("train", step: 1, ["loss": 2.5, "acc": 0.1])
        try client.api.reportMetrics("train", step: 2, ["loss": .nan, "grad_norm": .infinity], noReply: true)
        try client.api.reportMetrics("train", step: 3, ["loss": -.infinity], noReply: true)
        #expect(Self.text(try client.api.metrics(of: "train")) == [
            "1: acc=0.1 loss=2.5", "2: grad_norm=inf loss=nan", "3: loss=-inf",
        ])
    }

    @Test func anUnknownIDStartsAJobAndANewRunStartsTheMetricsOver() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        try client.api.reportMetrics("fresh", step: 7, ["loss": 1])
        let title = try client.call("Get", [.string("org.trainbell.TrainBell1.Job"), .string("Title")], interface: .properties,
                                    path: "/org/trainbell/TrainBell1/job/fresh").first?.unwrapped
        #expect(title == .string("fresh"))
        #expect(Self.text(try client.api.metrics(of: "fresh")) == ["7: loss=1.0"])
        _ = try client.startJob("fresh", total: 10)
        #expect(try client.api.metrics(of: "fresh").isEmpty, "a new run has no metrics yet")
    }

    @Test func getMetricsOfAJobNeverSeenIsUnknownJob() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        let error = client.error("GetMetrics", [.string("nobody")])
        #expect(error?.name == "org.trainbell.TrainBell1.Error.UnknownJob")
        #expect(error?.message == "no job 'nobody': start it with StartJob, or report progress for it first")
        _ = try client.startJob("quiet", total: 10)
        #expect(try client.api.metrics(of: "quiet").isEmpty)
    }

    @Test func aRestartedDaemonStillAnswersGetMetrics() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        do {
            let client = try DaemonClient(bus: bus, recordSignals: false)
            _ = try client.startJob("stopped", total: 100)
            _ = try client.startJob("ended", total: 100)
            for step in 1...50 as ClosedRange<UInt64> {
                try client.api.reportMetrics("stopped", step: step, ["loss": 1 / Double(step)], noReply: true)
                try client.api.reportMetrics("ended", step: step, ["loss": Double(step)], noReply: true)
            }
            try client.api.completeJob("ended")
        }
        // SIGTERM saves what the timer had not yet.
        #expect(daemon.stop() == 0)
        try daemon.start()
        let client = try DaemonClient(bus: bus, recordSignals: false)
        let stopped = try client.api.metrics(of: "stopped")
        #expect(stopped.map(\.step) == Array(1...50))
        #expect(stopped.last?.values == ["loss": 1.0 / 50])
        // The job's end saved its metrics at once: a crash after it loses none.
        daemon.kill()
        try daemon.start()
        let again = try DaemonClient(bus: bus, recordSignals: false)
        #expect(try again.api.metrics(of: "ended").map(\.step) == Array(1...50))
        // And the series goes on where it stopped.
        try again.api.reportMetrics("stopped", step: 51, ["loss": 0])
        #expect(try again.api.metrics(of: "stopped").map(\.step) == Array(1...51))
    }

    /// The hot path writes nothing; the keeper's timer does, within about five seconds: a crash
    /// after that loses none of a running job's metrics (a wait, not a timing assertion).
    @Test func theTimerSavesTheMetricsOfARunningJob() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        do {
            let client = try DaemonClient(bus: bus, recordSignals: false)
            _ = try client.startJob("running", total: 100)
            try client.api.reportMetrics("running", step: 1, ["loss": 3])
            try client.api.reportMetrics("running", step: 2, ["loss": 2])
        }
        // Past the keeper's five-second timer, then a crash: nothing saved them but the timer.
        Thread.sleep(forTimeInterval: 6.5)
        daemon.kill()
        try daemon.start()
        let client = try DaemonClient(bus: bus, recordSignals: false)
        #expect(MetricsTests.text(try client.api.metrics(of: "running")) == ["1: loss=3.0", "2: loss=2.0"])
    }
}
