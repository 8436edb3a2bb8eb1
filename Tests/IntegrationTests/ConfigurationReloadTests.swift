import BusTestSupport
import DBus
import TrainBellAPI
import Foundation
import Glibc
import Testing

/// The configuration file (DESIGN.md section 7) as the running daemon sees it: read at start, re-read
/// by `Reload` and SIGHUP, a bad file named by its line with the last good configuration kept.
@Suite(.serialized) struct ConfigurationReloadTests {
    static let failed: ErrorName = "org.trainbell.TrainBell1.Error.Failed"

    /// Replaces the daemon's configuration file.
    static func write(_ text: String, to daemon: DaemonProcess) throws {
        try text.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
    }

    /// Starts job `id` of 100 steps and reports `step`: the title of the milestone notification recorded.
    static func milestoneTitle(_ client: DaemonClient, job id: String, step: UInt64) throws -> String? {
        _ = try client.startJob(id, title: "Run \(id)", total: 100)
        try client.progress(id, step)
        let records = try client.history(id)
        #expect(records.map { $0["type"]?.stringValue } == ["progress"])
        return records.last?["title"]?.stringValue
    }

    /// Polls `condition` every 10 ms for at most `timeout` seconds.
    static func poll(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() >= deadline { return false }
            usleep(10_000)
        }
        return true
    }

    @Test func customTemplatesChangeTheRecordedTitle() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let daemon = try DaemonProcess(bus: bus, configuration: """
            [templates]
            progress-title=Run {job}: {percent}%
            progress-message=step {step} of {total}
            """)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        #expect(try Self.milestoneTitle(client, job: "a", step: 30) == "Run a: 30%")
        #expect(try client.history("a").last?["message"] == .string("step 30 of 100"))
    }

    @Test func reloadAppliesAnEditedFile() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let daemon = try DaemonProcess(bus: bus, configuration: "[templates]\nprogress-title=Run {job}: {percent}%\n")
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        #expect(try Self.milestoneTitle(client, job: "a", step: 30) == "Run a: 30%")

        try Self.write("[templates]\nprogress-title=Epoch {step} of {total}\n[milestones]\npercentages=10;20\n", to: daemon)
        try client.api.call(TrainBell1.reload)
        #expect(try Self.milestoneTitle(client, job: "b", step: 15) == "Epoch 15 of 100")
        #expect(try client.history("b").last?["milestone"]?.integerValue == 10)
        #expect(daemon.log.contains("configuration reloaded from \(daemon.configPath)"), "\(daemon.log)")
    }

    @Test func aBadFileFailsReloadNamingTheLineAndTheOldConfigurationStays() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let daemon = try DaemonProcess(bus: bus, configuration: "[templates]\nprogress-title=Run {job}: {percent}%\n")
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        #expect(try Self.milestoneTitle(client, job: "a", step: 30) == "Run a: 30%")

        try Self.write("[milestones]\npercentages=150\n[templates]\nprogress-title=Never {job}\n", to: daemon)
        let error = client.error("Reload")
        #expect(error?.name == Self.failed)
        let message = error?.message ?? ""
        #expect(message.contains("\(daemon.configPath):2: [milestones] percentages: 150 is out of range"), "\(message)")
        #expect(message.contains("accepted: whole numbers 1 to 100"), "\(message)")
        #expect(message.contains("the previous configuration stays"), "\(message)")
        #expect(daemon.log.contains("config:2: [milestones] percentages: 150 is out of range"), "\(daemon.log)")

        // Still the old templates and milestones (25, not an error or a new template).
        #expect(try Self.milestoneTitle(client, job: "b", step: 30) == "Run b: 30%")
        #expect(try client.history("b").last?["milestone"]?.integerValue == 25)
        #expect(daemon.process?.isRunning == true)
    }

    @Test func sighupReloadsTheFile() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let daemon = try DaemonProcess(bus: bus, configuration: "[templates]\nprogress-title=Run {job}: {percent}%\n")
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        #expect(try Self.milestoneTitle(client, job: "a", step: 30) == "Run a: 30%")

        try Self.write("[templates]\nprogress-title=After HUP {percent}%\n", to: daemon)
        daemon.signal(SIGHUP)
        #expect(Self.poll { daemon.log.contains("configuration reloaded from \(daemon.configPath)") }, "\(daemon.log)")
        #expect(try Self.milestoneTitle(client, job: "b", step: 30) == "After HUP 30%")

        // A bad file on SIGHUP: logged with its line, the daemon keeps running with the last good file.
        try Self.write("[templates]\nprogress-title=Bad\n[milestones]\npercentages=150\n", to: daemon)
        daemon.signal(SIGHUP)
        #expect(Self.poll { daemon.log.contains("config:4: [milestones] percentages: 150 is out of range") }, "\(daemon.log)")
        #expect(daemon.log.contains("keeping the previous configuration"))
        #expect(try Self.milestoneTitle(client, job: "c", step: 30) == "After HUP 30%")
        #expect(daemon.process?.isRunning == true)
    }

    @Test func aBadFileAtStartIsLoggedWithItsLineAndTheDefaultsApply() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let daemon = try DaemonProcess(bus: bus, configuration: """
            [templates]
            progress-title=Never {job}
            [milestones]
            percentages=150
            """)
        defer { daemon.stop() }
        #expect(daemon.log.contains("\(daemon.configPath):4: [milestones] percentages: 150 is out of range; accepted: whole numbers 1 to 100"),
                "\(daemon.log)")
        #expect(daemon.log.contains("using the built-in defaults"))
        let client = try DaemonClient(bus: bus, recordSignals: false)
        #expect(try Self.milestoneTitle(client, job: "a", step: 30) == "Training 25% Complete")

        // Once fixed, Reload takes the file.
        try Self.write("[templates]\nprogress-title=Fixed {percent}%\n", to: daemon)
        try client.api.call(TrainBell1.reload)
        #expect(try Self.milestoneTitle(client, job: "b", step: 60) == "Fixed 60%")
    }
}
