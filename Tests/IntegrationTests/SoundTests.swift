import BusTestSupport
import DBus
import Foundation
import Testing

/// Issue 13, section 1: where the notification server has no `sound` capability (dunst), trainbelld
/// plays the sound itself through libcanberra. Heard for real: a PulseAudio of the test's own with a
/// null sink (`PrivatePulseAudio`), its monitor recorded by `parec` and measured by `sox … stat`.
@Suite(.serialized) struct SoundTests {
    static let theme = "/usr/share/sounds/freedesktop/stereo/"

    /// A completion on dunst sounds the theme's `complete` once, from a stream named trainbell; the
    /// milestone before it (`suppress-sound`) sounds nothing.
    @Test func aCompletionOnDunstIsHeard() throws {
        let pulse = try PrivatePulseAudio()
        defer { pulse.stop() }
        let session = try DunstSession()
        defer { session.stop() }
        #expect(try !session.dunst.capabilities().contains("sound"))
        let daemon = try DaemonProcess(bus: session.bus, environment: pulse.clientEnvironment)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: session.bus)
        let recording = try pulse.record()

        _ = try client.startJob("llama", title: "Llama", total: 100)
        try client.progress("llama", 50)
        let milestone = try #require(session.recorder.waitForNotifies(count: 1).first)
        #expect(milestone.hints["suppress-sound"] == .boolean(true))
        try client.progress("llama", 100)
        let done = try #require(session.recorder.waitForNotifies(count: 2).last)
        #expect(done.summary == "Training Complete! 🎉")
        #expect(done.hints["sound-name"] == .string("complete"))

        let stream = try Self.waitForTrainbellStream(pulse)
        #expect(stream.contains("event.id = \"complete\""), "\(stream)")
        #expect(stream.contains("application.id = \"org.trainbell.TrainBell1\""), "\(stream)")
        try Self.waitUntilQuiet(pulse)
        let heard = try recording.stop()
        let expected = try AudioMeasurement(file: Self.theme + "complete.oga")
        print("sound: a completion on dunst: heard \(heard); complete.oga is \(expected)")
        // About the theme file's length: one completion sound, none for the milestone.
        #expect(abs(heard.audibleLength - expected.audibleLength) < 0.25, "heard \(heard), the file is \(expected)")
        #expect(heard.rms > 0.01 && heard.maximum > 0.1, "heard \(heard)")
        #expect(try client.history("llama").map { $0["delivery"]?.stringValue } == ["shown", "shown"])
        #expect(!daemon.log.contains("cannot play"), "\(daemon.log)")
    }

    /// During quiet hours a completion is held back (`suppressed-dnd`) and silent; the error that
    /// follows is shown anyway and sounds its configured file (`sound-file`), so the recording holds
    /// that file's length alone.
    @Test func aSuppressedCompletionIsSilentAndAConfiguredFileIsPlayed() throws {
        let pulse = try PrivatePulseAudio()
        defer { pulse.stop() }
        let session = try DunstSession()
        defer { session.stop() }
        let bell = Self.theme + "bell.oga"
        let configuration = "[dnd]\nquiet-hours=\(Self.quietHoursCoveringNow())\n[sounds]\nerror=\(bell)\n"
        let daemon = try DaemonProcess(bus: session.bus, configuration: configuration, environment: pulse.clientEnvironment)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: session.bus)
        let recording = try pulse.record()

        _ = try client.startJob("quiet", total: 10)
        try client.progress("quiet", 10)
        #expect(try client.history("quiet").map { $0["delivery"]?.stringValue } == ["suppressed-dnd"])
        _ = try client.api.reportError("quiet", message: "CUDA out of memory", type: "oom_error")
        let error = try #require(session.recorder.waitForNotifies(count: 1).first)
        #expect(error.summary == "Training Error")
        #expect(error.hints["sound-file"] == .string(bell))
        #expect(error.hints["sound-name"] == nil)

        let stream = try Self.waitForTrainbellStream(pulse)
        #expect(stream.contains("media.filename = \"\(bell)\""), "\(stream)")
        try Self.waitUntilQuiet(pulse)
        let heard = try recording.stop()
        let expected = try AudioMeasurement(file: bell)
        let completion = try AudioMeasurement(file: Self.theme + "complete.oga")
        print("sound: a suppressed completion, then an error: heard \(heard); bell.oga is \(expected)")
        #expect(heard.audibleLength > 0 && abs(heard.audibleLength - expected.audibleLength) < 0.1,
                "heard \(heard), the bell is \(expected), a completion would add \(completion)")
        #expect(try client.history("quiet").map { $0["delivery"]?.stringValue } == ["suppressed-dnd", "shown"])
    }

    /// A server with the `sound` capability plays the sound itself: trainbelld sends `sound-name` and
    /// plays nothing (no double sound).
    @Test func aServerThatPlaysSoundsGetsNoSecondOne() throws {
        let pulse = try PrivatePulseAudio()
        defer { pulse.stop() }
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus, configuration: .init(
            capabilities: ["actions", "body", "body-markup", "persistence", "sound"]))
        defer { server.stop() }
        let daemon = try DaemonProcess(bus: bus, environment: pulse.clientEnvironment)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)
        let recording = try pulse.record()

        _ = try client.startJob("gnome", total: 10)
        try client.progress("gnome", 10)
        _ = try client.api.reportError("gnome", message: "NCCL timeout", type: "cuda_error")
        let calls = server.waitForNotifies(count: 2)
        #expect(calls.map { $0.hints["sound-name"] } == [.string("complete"), .string("dialog-error")])
        // What is absent needs a wait: trainbelld starts a sound within milliseconds of the answer.
        usleep(1_500_000)
        #expect(try !pulse.sinkInputs().contains("trainbell"))
        let heard = try recording.stop()
        print("sound: a server with the sound capability: heard \(heard)")
        #expect(heard.audibleLength == 0 && heard.maximum == 0, "heard \(heard)")
        #expect(!daemon.log.contains("playing sound"), "\(daemon.log)")
    }

    /// No sound server at all: notifications go on, the log says so once.
    @Test func withoutASoundServerNotificationsGoOnAndTheLogSaysSoOnce() throws {
        let session = try DunstSession()
        defer { session.stop() }
        let scratch = try TemporaryDirectory("trainbell-no-pulse")
        let daemon = try DaemonProcess(bus: session.bus, environment: [
            "PULSE_SERVER": "unix:" + scratch.path + "/none", "PULSE_CLIENTCONFIG": "/dev/null",
            "PULSE_COOKIE": scratch.path + "/cookie",
        ])
        defer { daemon.stop() }
        let client = try DaemonClient(bus: session.bus)
        for job in ["a", "b", "c"] {
            _ = try client.startJob(job, total: 1)
            try client.progress(job, 1)
        }
        let calls = session.recorder.waitForNotifies(count: 3)
        #expect(calls.map(\.summary) == Array(repeating: "Training Complete! 🎉", count: 3))
        #expect(Self.poll { daemon.log.components(separatedBy: "playing sound complete").count == 4 }, "\(daemon.log)")
        #expect(Self.poll { daemon.log.contains("cannot play sounds") }, "\(daemon.log)")
        _ = try client.call("Introspect", interface: .introspectable)
        #expect(daemon.log.components(separatedBy: "cannot play sounds").count == 2, "\(daemon.log)")
        print("sound: no sound server: \(daemon.log.split(separator: "\n").filter { $0.contains("cannot play") })")
    }

    // MARK: Helpers

    /// `pactl list sink-inputs` while trainbelld's stream plays.
    static func waitForTrainbellStream(_ pulse: PrivatePulseAudio, timeout: Double = 10) throws -> String {
        var found = ""
        guard poll(timeout: timeout, {
            found = (try? pulse.sinkInputs()) ?? ""
            return found.contains("application.name = \"trainbell\"")
        }) else { throw HarnessError("no stream of trainbell on the sound server: \(found)") }
        return found
    }

    /// Until no stream plays, then a little longer for the recording's tail.
    static func waitUntilQuiet(_ pulse: PrivatePulseAudio, timeout: Double = 10) throws {
        guard poll(timeout: timeout, { ((try? pulse.sinkInputs()) ?? "x").isEmpty }) else {
            throw HarnessError("trainbell's sound did not end: \((try? pulse.sinkInputs()) ?? "")")
        }
        usleep(300_000)
    }

    static func poll(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() > deadline { return false }
            usleep(20_000)
        }
        return true
    }

    /// Quiet hours from the current minute to the one before it: now, whatever the time.
    static func quietHoursCoveringNow() -> String {
        var t = time(nil)
        var local = tm()
        localtime_r(&t, &local)
        let now = Int(local.tm_hour) * 60 + Int(local.tm_min)
        let end = (now + 1439) % 1440
        func hhmm(_ m: Int) -> String { String(format: "%02d:%02d", m / 60, m % 60) }
        return "\(hhmm(now))-\(hhmm(end))"
    }
}
