import BusTestSupport
import DBus
import Foundation
import Testing
import TrainBellAPI

/// `trainbell metrics JOB STEP name=value…` and the metrics `trainbell run` reads from a trainer's
/// log lines, against a real daemon: what `GetMetrics` answers afterwards, the exit codes and messages.
@Suite(.serialized) struct MetricsCommandTests {
    @Test func metricsFromTheShellAreKeptAndBadOnesNamed() throws {
        let s = try CommandLineTests.Setup()
        defer { s.stop() }
        let sent = try s.run(["metrics", "run-42", "5", "loss=0.5", "acc=nan", "--wait"])
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(try s.run(["metrics", "run-42", "6", "loss=-inf"]).status == 0)
        let client = try DaemonClient(bus: s.bus, recordSignals: false)
        // The second went without a reply, from another connection: it may come a moment later.
        #expect(client.loop.wait { (try? client.api.metrics(of: "run-42").count) == 2 })
        #expect(MetricsTests.text(try client.api.metrics(of: "run-42")) == ["5: acc=nan loss=0.5", "6: loss=-inf"])

        let cases: [([String], String)] = [
            (["metrics", "j", "1", "loss"], "'loss' is not name=value (e.g. loss=0.41)"),
            (["metrics", "j", "1", "loss=abc"], "'loss=abc': 'abc' is not a number (e.g. 0.41, 2e-05, nan, inf)"),
            (["metrics", "j", "1", "=1"], "an empty metric name is not accepted"),
            (["metrics", "j", "1", String(repeating: "x", count: 65) + "=1"], "is 65 bytes long"),
            (["metrics", "j", "1"] + (0...64).map { "m\($0)=1" }, "65 metrics in one report; at most 64"),
            (["metrics", "j", "1", "a=1", "a=2"], "metric name \"a\" is given twice"),
            (["metrics", "j", "1"], "missing the metrics: give at least one name=value"),
        ]
        for (arguments, message) in cases {
            let result = try s.run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(client.error("GetMetrics", [.string("j")])?.name == "org.trainbell.TrainBell1.Error.UnknownJob", "nothing was sent")
    }

    @Test func runSendsTheMetricsItsParserRecognizesAtTheBarsStep() throws {
        let s = try CommandLineTests.Setup()
        defer { s.stop() }
        // The bar and the log lines on one stream, so that the bar is read first.
        let script = #"""
            printf ' 42%%|####      | 420/1000 [00:10<00:14, 41.2it/s]\n'
            echo "{'loss': 0.41, 'learning_rate': 2e-05, 'epoch': 1.2}"
            echo "{'loss': nan, 'grad_norm': inf, 'epoch': 1.3, 'a very long name that no plot can show well, longer than sixty-four': 1}"
            """#
        let result = try s.run(["run", "--job", "parsed", "--", "/bin/sh", "-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        let client = try DaemonClient(bus: s.bus, recordSignals: false)
        let rows = MetricsTests.text(try client.api.metrics(of: "parsed"))
        #expect(rows == [
            "420: epoch=1.2 learning_rate=2e-05 loss=0.41", "420: epoch=1.3 grad_norm=inf loss=nan",
        ])
    }

    @Test func runMergesLogDictsPrintedFasterThanTenASecondAndKeepsTheFirstTheNaNAndTheLast() throws {
        let s = try CommandLineTests.Setup()
        defer { s.stop() }
        // 300 dicts at once, a NaN among them, then 300 more: far more than 10 a second.
        let script = #"""
            i=0; while [ $i -lt 300 ]; do echo "{'loss': 1.$i, 'epoch': 0.$i}"; i=$((i+1)); done
            echo "{'loss': nan, 'epoch': 0.5}"
            i=0; while [ $i -lt 300 ]; do echo "{'loss': 2.$i, 'epoch': 0.$i}"; i=$((i+1)); done
            """#
        let result = try s.run(["run", "--job", "fast-dicts", "--", "/bin/sh", "-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        let client = try DaemonClient(bus: s.bus, recordSignals: false)
        let rows = MetricsTests.text(try client.api.metrics(of: "fast-dicts"))
        #expect(rows.count < 100, "merged, not one report a dict: \(rows.count)")
        #expect(rows.first == "0: epoch=0.0 loss=1.0", "the first goes at once: \(rows)")
        #expect(rows.contains("0: epoch=0.5 loss=nan"), "the NaN goes at once, as printed: \(rows)")
        #expect(rows.last == "0: epoch=0.299 loss=2.299", "what is held goes at the end: \(rows)")
    }
}
