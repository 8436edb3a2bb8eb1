import BusTestSupport
import DBus
import DBusGLib
import Testing
import TrainBellAPI

/// The typed API against the real daemon: every method through `TrainBellClient` (blocking, async and
/// without reply), and the descriptors against what the daemon exports.
@Suite(.serialized) struct TrainBellClientTests {
    @Test func everyMethodRoundTripsWithTypedValues() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let connection = try bus.connect()
        let client = TrainBellClient(connection: connection)

        let path = try client.startJob("typed-1", title: "Typed", total: 100, options: ["app-id": .variant(.string("org.example.App"))])
        #expect(path == "/org/trainbell/TrainBell1/job/typed_2d1")
        try client.reportProgress("typed-1", step: 10)
        try client.reportProgress("typed-1", step: 20, noReply: true)
        #expect(try client.reportWarning("typed-1", message: "loss is noisy") > 0)
        #expect(try client.reportError("typed-1", message: "CUDA out of memory", type: "cuda_error") > 0)
        #expect(try client.doNotDisturb() == DoNotDisturbReply(active: false, source: "none"))
        let check = try client.call(TrainBell1.checkAppID, "org.example.NoSuchApp")
        #expect(!check.installed)
        try client.call(TrainBell1.setProgress, "org.example.App", 0.5)
        try client.call(TrainBell1.reload)
        let history = try client.notifications(of: "typed-1")
        #expect(history.map { $0["type"]?.stringValue } == ["warning", "error"])
        try client.cancelJob("typed-1")
        _ = try client.startJob("typed-2", total: 10)
        #expect(try client.completeJob("typed-2", message: "early stop") > 0)
        #expect(throws: BusError.self) { try client.completeJob("never-started") }
        let sent = try client.call(TrainBell1.send, "hello", "from the typed API", [:])
        #expect(sent.value == 0, "no notification server on this bus")
    }

    @Test func aDaemonErrorComesBackAsItsBusError() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = TrainBellClient(connection: try bus.connect())
        #expect(throws: BusError.self) { try client.startJob("", total: 10) }
        do {
            try client.startJob("bad\u{7}id", total: 10)
        } catch {
            #expect(error.name.rawValue == "org.trainbell.TrainBell1.Error.InvalidArgument", "\(error)")
            #expect(error.message.contains("job id"), "\(error)")
        }
    }

    @Test func theAsyncCallAnswersOnTheLoop() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let connection = try bus.connect()
        let loop = MainLoop()
        connection.attach(to: loop)
        let client = TrainBellClient(connection: connection)
        var answer: Result<DoNotDisturbReply, BusError>?
        client.callAsync(TrainBell1.getDoNotDisturb) { answer = $0 }
        #expect(loop.run(until: { answer != nil }, timeout: 10))
        #expect((try? answer?.get()) == DoNotDisturbReply(active: false, source: "none"))
    }

    @Test func argumentsThatDoNotFitAreNamed() {
        #expect(throws: BusError.self) { try TrainBell1.reportProgress.decode([.string("a"), .string("b"), .uint64(0)]) }
        do {
            _ = try TrainBell1.reportProgress.decode([.string("a"), .string("b"), .uint64(0)])
        } catch {
            #expect(error.message.contains("argument 'current_step'"), "\(error.message)")
        }
        #expect(TrainBell1.startJob.inArguments.map(\.type.signature).joined() == "ssta{sv}")
        #expect(TrainBell1.checkAppID.outArguments.map(\.type.signature) == ["b", "as"])
    }
}
