import BusTestSupport
import DBus
import Foundation
import Testing
import TrainBellAPI

/// The divergence rules on reported metrics (issue 11 item 2), end to end: a NaN loss is one
/// `loss_divergence` error per run whoever reports the metrics, not repeated when the trainer reported
/// it itself; a loss jump is one warning; `[metrics] loss-jump-factor=0` turns the warning off.
@Suite(.serialized) struct LossRulesTests {
    static func kinds(_ client: DaemonClient, _ job: String) throws -> [String] {
        try client.history(job).compactMap { $0["type"]?.stringValue }
    }

    @Test func aNaNLossIsOneErrorAndAJumpOneWarning() throws {
        let session = try DaemonSession()
        defer { session.stop() }
        let (client, server) = (session.client, try #require(session.server))
        _ = try client.startJob("jumpy", total: 10_000)
        for step in 1...10 { try client.api.reportMetrics("jumpy", step: UInt64(step * 100), ["loss": 0.41]) }
        try client.api.reportMetrics("jumpy", step: 1_200, ["loss": 3.9])
        try client.api.reportMetrics("jumpy", step: 1_300, ["loss": 7.5])
        try client.api.reportMetrics("jumpy", step: 1_400, ["loss": .nan, "lr": 1e-4])
        try client.api.reportMetrics("jumpy", step: 1_500, ["eval_loss": .infinity])
        let records = try client.history("jumpy")
        #expect(records.compactMap { $0["type"]?.stringValue } == ["warning", "error"])
        #expect(records.first?["message"]?.stringValue == "loss jumped from 0.41 to 3.9 at step 1,200")
        #expect(records.last?["error_type"]?.stringValue == "loss_divergence")
        #expect(records.last?["message"]?.stringValue == "loss is nan at step 1,400")
        #expect(server.waitForNotifies(count: 2).map(\.summary) == ["Training Warning", "Training Error"])

        // The trainer reported the divergence itself (trainbell run and the Python package do, before
        // the metrics): the rule does not report it again.
        _ = try client.startJob("told", total: 100)
        _ = try client.api.reportError("told", message: "loss is nan (epoch 2)", type: "loss_divergence")
        try client.api.reportMetrics("told", step: 7, ["loss": .nan])
        #expect(try Self.kinds(client, "told") == ["error"])

        // A new run: the rules start over.
        _ = try client.startJob("told", total: 100)
        try client.api.reportMetrics("told", step: 1, ["train_loss": .nan])
        #expect(try Self.kinds(client, "told") == ["error", "error"])
    }

    @Test func theJumpWarningCanBeTurnedOff() throws {
        let session = try DaemonSession(configuration: "[metrics]\nloss-jump-factor=0\n", withServer: false)
        defer { session.stop() }
        let client = session.client
        for step in 1...10 { try client.api.reportMetrics("calm", step: UInt64(step), ["loss": 1]) }
        try client.api.reportMetrics("calm", step: 11, ["loss": 50])
        #expect(try Self.kinds(client, "calm") == [])
    }
}
