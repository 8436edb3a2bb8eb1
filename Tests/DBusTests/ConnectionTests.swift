import BusTestSupport
import DBus
import DBusGLib
import Foundation
import Glibc
import Testing

@Suite(.serialized) struct ConnectionTests {
    @Test func wrongSignatureIsAnsweredWithInvalidArgsNamingBoth() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let client = try Client(bus: bus)
        #expect {
            _ = try client.call("Later", [.string("soon")])
        } throws: { error in
            let e = error as? BusError
            return e?.name == .invalidArgs && e?.message.contains("'u'") == true && e?.message.contains("'s'") == true
        }
    }

    @Test func unknownObjectsInterfacesAndMethodsHaveTheirErrors() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let client = try Client(bus: bus)
        #expect(throws: BusError(.unknownObject, "no object at path /nowhere")) {
            _ = try client.call("Echo", [.variant(.byte(1))], path: "/nowhere")
        }
        #expect { _ = try client.call("Nope") } throws: { ($0 as? BusError)?.name == .unknownMethod }
        #expect { _ = try client.call("Echo", interface: "org.nope.X") } throws: { ($0 as? BusError)?.name == .unknownInterface }
    }

    @Test func aThrowingHandlerBecomesAnErrorReply() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let client = try Client(bus: bus)
        #expect(throws: BusError("org.trainbell.Test1.Error.Requested", "because")) {
            _ = try client.call("Fail", [.string("because")])
        }
    }

    @Test func noReplyExpectedCallsRunAndGetNoReply() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let monitor = try bus.connect()
        let monitorLoop = MainLoop()
        monitor.attach(to: monitorLoop)
        var seen: [Message] = []
        monitor.messageObserver = { seen.append($0) }
        try monitor.becomeMonitor()

        let client = try Client(bus: bus)
        for _ in 0..<3 {
            try client.connection.callNoReply(destination: TestService.name, path: TestService.path,
                                              interface: TestService.interface, member: "Count")
        }
        // A normal call afterwards: the service handles calls in order.
        _ = try client.call("Echo", [.variant(.byte(1))])
        #expect(try service.thread.sync { service.noReplyCalls } == 3)
        #expect(monitorLoop.wait { seen.contains { $0.member == "Echo" } && seen.contains { $0.kind == .methodReturn && $0.destination == client.connection.uniqueName } })
        let countSerials = Set(seen.filter { $0.member == "Count" }.map(\.serial))
        #expect(countSerials.count == 3)
        #expect(seen.filter { $0.kind != .methodCall && countSerials.contains($0.replySerial) && $0.destination == client.connection.uniqueName }.isEmpty)
    }

    @Test func asyncCallsReplyOnTheLoop() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let client = try Client(bus: bus)
        var answers: [Result<[DBusValue], BusError>] = []
        client.connection.callAsync(destination: TestService.name, path: TestService.path, interface: TestService.interface,
                                    member: "Later", [.uint32(50)]) { answers.append($0) }
        client.connection.callAsync(destination: TestService.name, path: TestService.path, interface: TestService.interface,
                                    member: "Fail", [.string("async")]) { answers.append($0) }
        #expect(answers.isEmpty)
        #expect(client.loop.wait { answers.count == 2 })
        let failures = answers.compactMap { if case .failure(let e) = $0 { e } else { nil } }
        #expect(failures == [BusError("org.trainbell.Test1.Error.Requested", "async")])
        #expect(answers.contains { (try? $0.get()) == [.string("done")] })
    }

    /// `flush()` waits as long as the bus takes; `flush(timeout:)` gives up while a stopped bus reads
    /// nothing (what `trainbell run` needs at exit), and writes everything once it reads again.
    @Test func aFlushWithATimeoutGivesUpWhileTheBusReadsNothing() throws {
        let bus = try PrivateBus()
        let client = try bus.connect()
        #expect(!client.hasMessagesToSend)
        bus.signal(SIGSTOP)
        defer { bus.signal(SIGCONT) }
        // Far more than the socket buffers hold.
        let big = String(repeating: "x", count: 1 << 20)
        for _ in 0..<16 {
            try client.emitSignal(path: "/org/trainbell/Test1", interface: "org.trainbell.Test1", member: "Big", [.string(big)])
        }
        #expect(client.hasMessagesToSend)
        #expect(!client.flush(timeout: 0.2))
        #expect(client.hasMessagesToSend)
        bus.signal(SIGCONT)
        #expect(client.flush(timeout: 60))
        #expect(!client.hasMessagesToSend)
        #expect(client.isConnected)
    }

    @Test func blockingCallsTimeOut() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let client = try Client(bus: bus)
        #expect { _ = try client.call("Never", timeout: 0.2) } throws: { ($0 as? BusError)?.name == .noReply }
    }

    @Test func aPeerThatDisconnectsMidCallDoesNotHurtTheService() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let client = try Client(bus: bus)
        let leavingName: String
        do {
            let leaving = try Client(bus: bus)
            leavingName = leaving.connection.uniqueName
            let m = Message.methodCall(destination: TestService.name, path: TestService.path,
                                       interface: TestService.interface, member: "Later")
            try m.append([.uint32(100)])
            try leaving.connection.send(m)
            leaving.connection.flush()
            leaving.connection.close()
        }
        // The bus reads what the peer sent before it notices the peer is gone: once its name has no
        // owner, the call was passed on to the service.
        let deadline = Date().addingTimeInterval(10)
        while client.connection.nameOwner(BusName(rawValue: leavingName)!) != nil && Date() < deadline { usleep(10_000) }
        #expect(client.connection.nameOwner(BusName(rawValue: leavingName)!) == nil)
        #expect(try client.call("Later", [.uint32(1)]) == [.string("done")])
        #expect(try client.call("Echo", [.variant(.string("still here"))]) == [.variant(.string("still here"))])
    }

    @Test func signalsReachSubscribersFollowingTheWellKnownName() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let client = try Client(bus: bus)
        try client.record(MatchRule(sender: TestService.name.rawValue, interface: TestService.interface, member: "Shouted"))
        // The owner is resolved asynchronously; let it arrive.
        _ = client.loop.wait(for: 0.3) { false }
        _ = try client.call("Shout", [.string("hey")])
        #expect(client.loop.wait { client.signals.count == 1 })
        #expect(try client.signals.first?.arguments() == [.string("hey")])
        #expect(client.signals.first?.path == TestService.path)

        // Another connection emitting the same signal is not the name's owner: not delivered.
        let impostor = try bus.connect()
        try impostor.emitSignal(path: TestService.path, interface: TestService.interface, member: "Shouted", [.string("fake")])
        impostor.flush()
        _ = try client.call("Shout", [.string("again")])
        #expect(client.loop.wait { client.signals.count == 2 })
        #expect(try client.signals.last?.arguments() == [.string("again")])
    }

    @Test func nameOwnerChangesAreWatched() throws {
        let bus = try PrivateBus()
        let client = try Client(bus: bus)
        var owners: [String?] = []
        try client.connection.watchNameOwner("org.trainbell.Watched") { owners.append($0) }
        #expect(client.loop.wait { owners.count == 1 })
        #expect(owners == [nil])
        let owner = try bus.connect()
        #expect(try owner.requestName("org.trainbell.Watched") == .primaryOwner)
        #expect(client.loop.wait { owners.count == 2 })
        #expect(owners.last == owner.uniqueName)
        owner.close()
        #expect(client.loop.wait { owners.count == 3 })
        #expect(owners.last == .some(nil))
    }

    @Test func nameOwnershipConflictsHaveAClearResult() throws {
        let bus = try PrivateBus()
        let first = try bus.connect()
        let loop = MainLoop()
        first.attach(to: loop)
        var lost: [String] = []
        first.onNameLost = { lost.append($0) }
        #expect(try first.requestName("org.trainbell.Conflict", flags: [.doNotQueue, .allowReplacement]) == .primaryOwner)
        #expect(try first.requestName("org.trainbell.Conflict", flags: [.doNotQueue, .allowReplacement]) == .alreadyOwner)

        let second = try bus.connect()
        #expect(try second.requestName("org.trainbell.Conflict", flags: [.doNotQueue]) == .exists)
        #expect(try second.requestName("org.trainbell.Conflict", flags: []) == .inQueue)
        #expect(second.nameOwner("org.trainbell.Conflict") == first.uniqueName)
        #expect(second.processID(of: "org.trainbell.Conflict") == UInt32(getpid()))

        let third = try bus.connect()
        #expect(try third.requestName("org.trainbell.Conflict", flags: [.doNotQueue, .replaceExisting]) == .primaryOwner)
        #expect(loop.wait { lost == ["org.trainbell.Conflict"] })
    }

    @Test func losingTheBusIsReportedNotFatal() throws {
        let bus = try PrivateBus()
        let client = try Client(bus: bus)
        var disconnected = false
        client.connection.onDisconnect = { disconnected = true }
        bus.stop()
        #expect(client.loop.wait { disconnected })
        #expect(!client.connection.isConnected)
        #expect(throws: BusError.self) { _ = try client.call("Echo", [.variant(.byte(1))], timeout: 1) }
    }

    @Test func sessionAddressFallsBackToTheRuntimeDirectory() throws {
        #expect(Connection.sessionBusAddress(environment: ["DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"]) == "unix:path=/x")
        let bus = try PrivateBus()
        #expect(Connection.sessionBusAddress(environment: ["XDG_RUNTIME_DIR": bus.directory.path]) == "unix:path=\(bus.directory.path)/bus")
        #expect(Connection.sessionBusAddress(environment: ["XDG_RUNTIME_DIR": "/nonexistent"]) == nil)
        #expect(Connection.sessionBusAddress(environment: [:]) == nil)
    }
}
