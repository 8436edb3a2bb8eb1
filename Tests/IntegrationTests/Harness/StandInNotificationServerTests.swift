import BusTestSupport
import DBus
import DBusGLib
import Foundation
import Testing

/// The stand-in server answers real clients as the spec says, and the test drives its clicks and closes.
@Suite struct StandInNotificationServerTests {
    @Test func notifySendWaitingForAnActionGetsTheOneTheTestClicks() throws {
        let bus = try PrivateBus()
        let recorder = try NotifyRecorder(bus: bus)
        let server = try StandInNotificationServer(bus: bus)
        let notifySend = try requireTool("notify-send", package: "libnotify-bin")
        let command = try BackgroundCommand(notifySend, ["-A", "yes=Yes", "-w", "Question", "Continue?"],
                                            environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        let call = try #require(server.waitForNotifies(count: 1).first)
        #expect(call.actions == ["yes", "Yes"])
        #expect(call.summary == "Question")
        let id = try #require(call.returnedID)
        #expect(id == 1)
        #expect(server.openIDs == [id])

        try server.invokeAction(id: id, actionKey: "yes", activationToken: "token-1")
        let result = try #require(command.wait())
        #expect(result.status == 0)
        #expect(result.stdout == "yes\n")
        // notify-send closes the notification after the click; the server confirms with reason 3.
        let expected: [NotificationEvent] = [
            .notify(call),
            .activationToken(id: id, token: "token-1"),
            .actionInvoked(id: id, actionKey: "yes"),
            .closeNotification(id: id),
            .notificationClosed(id: id, reason: .closedByCall),
        ]
        #expect(server.wait { $0.count == expected.count })
        #expect(server.events == expected)
        #expect(recorder.wait { $0.count == expected.count })
        #expect(recorder.events == expected)
        #expect(server.openIDs.isEmpty)
    }

    @Test func serverInformationAndCapabilitiesAreWhatTheTestConfigured() throws {
        let bus = try PrivateBus()
        let configuration = StandInNotificationServer.Configuration(
            name: "plain", vendor: "tests", version: "2.0", capabilities: ["body"])
        let server = try StandInNotificationServer(bus: bus, configuration: configuration)
        let gdbus = try requireTool("gdbus", package: "libglib2.0-bin")
        func call(_ member: String) throws -> String {
            let result = try runCommand(gdbus, ["call", "--session", "--dest", "org.freedesktop.Notifications",
                                                "--object-path", "/org/freedesktop/Notifications",
                                                "--method", "org.freedesktop.Notifications.\(member)"],
                                        environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
            #expect(result.status == 0, "gdbus failed: \(result.stderr)")
            return result.stdout
        }
        #expect(try call("GetServerInformation") == "('plain', 'tests', '2.0', '1.2')\n")
        #expect(try call("GetCapabilities") == "(['body'],)\n")

        // Without "actions", notify-send shows the notification without its action, and says so.
        let notifySend = try requireTool("notify-send", package: "libnotify-bin")
        let result = try runCommand(notifySend, ["-A", "yes=Yes", "No buttons", "here"],
                                    environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(result.status == 1)
        #expect(result.stderr.contains("Actions are not supported"))
        #expect(server.waitForNotifies(count: 1).map(\.actions) == [[]])
        server.stop()
    }

    @Test func replacesIDAnswersTheSameIDAndCloseSignalsTheClient() throws {
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        let client = try bus.connect()
        let loop = MainLoop()
        client.attach(to: loop)
        var closed: [[DBusValue]] = []
        try client.subscribe(MatchRule(interface: NotificationsBus.interface, member: "NotificationClosed")) { message in
            closed.append((try? message.arguments()) ?? [])
        }
        func notify(replacing id: UInt32) throws -> UInt32 {
            let values = try client.call(destination: NotificationsBus.name, path: NotificationsBus.path,
                                         interface: NotificationsBus.interface, member: "Notify", [
                                             .string("tests"), .uint32(id), .string(""), .string("Step"), .string("<b>1</b>"),
                                             .array(.string, []), .vardict([("urgency", .byte(1))]), .int32(-1),
                                         ])
            return try #require(values.first.flatMap { UInt32(dbusValue: $0) })
        }
        let first = try notify(replacing: 0)
        #expect(try notify(replacing: first) == first)
        #expect(try notify(replacing: 0) == first + 1)
        #expect(server.notifies.map(\.replacesID) == [0, first, 0])
        #expect(server.notifies.map(\.sender) == Array(repeating: client.uniqueName, count: 3))
        #expect(server.notifies.first?.hints == ["urgency": .byte(1)])
        #expect(server.notifies.first?.urgency == 1)

        try server.close(id: first, reason: .expired)
        #expect(loop.wait { closed.count == 1 })
        #expect(closed == [[.uint32(first), .uint32(1)]])
        #expect(server.openIDs == [first + 1])
    }

    @Test func stopReleasesTheNameSoAnotherServerCanAppear() throws {
        let bus = try PrivateBus()
        let watcher = try bus.connect()
        var server: StandInNotificationServer? = try StandInNotificationServer(bus: bus)
        #expect(watcher.nameOwner(NotificationsBus.name) == server?.uniqueName)
        server?.stop()
        #expect(watcher.nameOwner(NotificationsBus.name) == nil)
        #expect(server?.openIDs == [])
        #expect(throws: BusError.self) { try server?.invokeAction(id: 1, actionKey: "default") }
        server = nil

        let restarted = try StandInNotificationServer(bus: bus, configuration: .init(name: "second"))
        #expect(watcher.nameOwner(NotificationsBus.name) == restarted.uniqueName)
        #expect(throws: (any Error).self) { _ = try StandInNotificationServer(bus: bus) }
    }
}
