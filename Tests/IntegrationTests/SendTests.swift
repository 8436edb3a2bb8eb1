import BusTestSupport
import DBus
import Foundation
import Testing

/// `trainbell send` against the real `notify-send` of libnotify 0.8.1 (Debian `libnotify-bin`): with the same
/// arguments, the notification server receives the same `Notify` (every argument and hint; `sender-pid` is
/// each sender's own pid), and the output and exit status are the same. Directly when trainbelld cannot be
/// reached, and through trainbelld's `Send` when it runs.
@Suite(.serialized) struct SendTests {
    /// The `trainbell` built beside `trainbelld`.
    static var trainbell: String {
        get throws { ((try DaemonProcess.executable) as NSString).deletingLastPathComponent + "/trainbell" }
    }

    static var notifySend: String {
        get throws { try requireTool("notify-send", package: "libnotify-bin") }
    }

    /// One command run against a fresh private bus with a fresh stand-in server (so ids start at 1 for both).
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var pid: pid_t
        /// What the server received and emitted, `Notify` calls without their sender's unique name.
        var events: [NotificationEvent]
        var notifies: [NotifyCall] { events.compactMap(\.notifyCall) }
    }

    /// A command line, named for the test report.
    struct Flags: CustomTestStringConvertible, Sendable {
        let arguments: [String]
        init(_ arguments: String...) { self.arguments = arguments }
        var testDescription: String { arguments.map { $0.contains(" ") || $0.isEmpty ? "'\($0)'" : $0 }.joined(separator: " ") }
    }

    static func environment(_ bus: PrivateBus) -> [String: String?] {
        // One locale for both, so that GLib's messages read the same on every machine.
        ["DBUS_SESSION_BUS_ADDRESS": bus.address, "LC_ALL": "C.UTF-8", "LANGUAGE": nil]
    }

    /// Runs `executable` with `arguments`; `answer` plays the user once the notification is shown.
    static func run(_ executable: String, _ arguments: [String],
                    configuration: StandInNotificationServer.Configuration = .init(),
                    answer: ((StandInNotificationServer, UInt32, BackgroundCommand) throws -> Void)? = nil) throws -> Run {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let server = try StandInNotificationServer(bus: bus, configuration: configuration)
        defer { server.stop() }
        let command = try BackgroundCommand(executable, arguments, environment: environment(bus))
        if let answer {
            let call = try #require(server.waitForNotifies(count: 1).first, "\(executable) sent nothing")
            try answer(server, try #require(call.returnedID), command)
        }
        guard let result = command.wait(seconds: 20) else {
            Issue.record("\(executable) \(arguments) did not end; stderr: \(command.stderr)")
            throw HarnessError("timeout")
        }
        let events = server.events.map { event -> NotificationEvent in
            guard var call = event.notifyCall else { return event }
            call.sender = ""
            return .notify(call)
        }
        return Run(status: result.status, stdout: result.stdout, stderr: result.stderr, pid: command.pid, events: events)
    }

    /// notify-send and trainbell send with `arguments`; what the server saw is equal, `sender-pid` apart,
    /// which is each one's own pid (unless the arguments set it).
    static func expectSame(_ arguments: [String], configuration: StandInNotificationServer.Configuration = .init(),
                           compareStderr: Bool = true,
                           answer: ((StandInNotificationServer, UInt32, BackgroundCommand) throws -> Void)? = nil,
                           sourceLocation: SourceLocation = #_sourceLocation) throws -> (reference: Run, ours: Run) {
        let reference = try run(try notifySend, arguments, configuration: configuration, answer: answer)
        let ours = try run(try trainbell, ["send"] + arguments, configuration: configuration, answer: answer)
        #expect(ours.status == reference.status, "exit status; stderr: \(ours.stderr)", sourceLocation: sourceLocation)
        #expect(ours.stdout == reference.stdout, sourceLocation: sourceLocation)
        if compareStderr { #expect(ours.stderr == reference.stderr, sourceLocation: sourceLocation) }
        let setsPID = arguments.contains { $0.contains(":sender-pid:") }
        for run in [reference, ours] where !setsPID {
            for call in run.notifies {
                #expect(call.hints["sender-pid"] == .int64(Int64(run.pid)), "sender-pid of \(call.appName) is not its pid",
                        sourceLocation: sourceLocation)
            }
        }
        #expect(withoutSenderPID(ours.events) == withoutSenderPID(reference.events), sourceLocation: sourceLocation)
        return (reference, ours)
    }

    static func withoutSenderPID(_ events: [NotificationEvent]) -> [NotificationEvent] {
        events.map { event in
            guard var call = event.notifyCall else { return event }
            call.hints["sender-pid"] = nil
            return .notify(call)
        }
    }

    // MARK: - Direct, against notify-send

    static let shown: [Flags] = [
        Flags("Plain summary"),
        Flags("Summary", "Body text"),
        Flags("-u", "low", "Low"),
        Flags("-u", "critical", "Critical", "never expires by itself"),
        Flags("-u", "NORMAL", "Urgency words are case-insensitive"),
        Flags("-t", "5000", "Five seconds"),
        Flags("-t", "0", "Never expires"),
        Flags("-t", "0x10", "strtol base 0"),
        Flags("-t", "-5", "Negative time"),
        Flags("-a", "My Trainer", "App name"),
        Flags("-a", "", "Empty app name"),
        Flags("-i", "dialog-information", "Icon"),
        Flags("-i", "/usr/share/icons/hicolor/48x48/apps/trainbell.png", "Icon path"),
        Flags("-c", "transfer.complete", "Category"),
        Flags("-c", "email.arrived,im", "Two categories"),
        Flags("-c", "", "Empty category"),
        Flags("-e", "Transient"),
        Flags("-h", "int:x-progress:42", "-h", "int:x-digits:12abc", "Int hints"),
        Flags("-h", "double:x-ratio:1.5", "-h", "double:x-exp:2e3", "Double hints"),
        Flags("-h", "string:x-text:a:b:c", "-h", "string:x-empty:", "String hints"),
        Flags("-h", "byte:x-b:255", "-h", "byte:x-zero:abc", "Byte hints"),
        Flags("-h", "boolean:x-t:true", "-h", "boolean:x-T:TRUE", "-h", "boolean:x-one:1", "-h", "boolean:x-yes:yes",
              "-h", "boolean:x-zero:0", "Boolean hints"),
        Flags("-c", "kept", "-h", "string:category:", "-h", "string::", "Empty strings set nothing"),
        Flags("-h", "INT:x-upper:7", "-h", "String:x-mixed:v", "Type names are case-insensitive"),
        Flags("-h", "variant:x-v:<int64 5>", "-h", "variant:x-d:{'a': <1>, 'b': <'x'>}", "-h", "variant:x-a:[1, 2.5]",
              "-h", "variant:x-t:(1, 'two', true)", "-h", "variant:x-e:@as []", "-h", "variant:x-u:uint32 7", "Variant hints"),
        Flags("-h", "int:value:50", "-h", "int:value:60", "The last of one name wins"),
        Flags("-h", "byte:urgency:2", "-u", "low", "A hint replaces the urgency"),
        Flags("-h", "string:category:from-hint", "-c", "from-option", "A hint replaces the category"),
        Flags("-h", "int:sender-pid:42", "A hint replaces the sender pid"),
        Flags("-p", "Print the id"),
        Flags("-r", "7", "-p", "Replace 7"),
        Flags("-pe", "Grouped short flags"),
        Flags("Summary", "-u", "critical", "Body", "-t", "10"),
        Flags("--", "-dash summary", "-dash body"),
        Flags("--urgency=low", "--expire-time=10", "--app-name=Long", "--icon=long-icon", "--category=long.cat",
              "--transient", "--hint=int:x-long:1", "--print-id", "--replace-id=3", "Long options"),
        Flags("--urgency", "critical", "--app-name", "Spaced", "Long options, value apart"),
        Flags("Markup", "<b>bold</b> &amp; <i>italic</i> <a href=\"https://example.org\">link</a>"),
        Flags("Escapes", "line\\nnext\\ttab \\\\ back \\101 \\q"),
        Flags("Résumé ✓ 日本語", "emoji 🎉 and ünïcödé"),
    ]

    @Test(arguments: shown)
    func directNotifyIsNotifySends(_ flags: Flags) throws {
        let (reference, ours) = try Self.expectSame(flags.arguments)
        #expect(reference.status == 0, "notify-send failed: \(reference.stderr)")
        #expect(ours.notifies.count == 1)
    }

    static let refused: [Flags] = [
        Flags(),
        Flags(""),
        Flags("", "body"),
        Flags("one", "two", "three"),
        Flags("-u", "urgent", "S"),
        Flags("-u"),
        Flags("--urgency"),
        Flags("-t", "abc", "S"),
        Flags("--expire-time=1e3", "S"),
        Flags("-t", "", "S"),
        Flags("-t", "99999999999", "S"),
        Flags("-r", "4294967295", "S"),
        Flags("--foo", "S"),
        Flags("-x", "S"),
        Flags("-px", "S"),
        Flags("-tu", "5", "low", "S"),
        Flags("-h", "int:a", "S"),
        Flags("-h", "float:a:1", "S"),
        Flags("-h", "int:a:-5", "S"),
        Flags("-h", "int:a:x", "S"),
        Flags("-h", "double:a:.5", "S"),
        Flags("-h", "byte:a:256", "S"),
        Flags("-h", "byte:a:-1", "S"),
        Flags("-h", "variant:a:nothing", "S"),
        Flags("-h", "variant:a:<1", "S"),
        Flags("-p", "-h", "int:a:x", "S"),
        Flags("-p", "-r", "9", "-h", "bad", "S"),
    ]

    @Test(arguments: refused)
    func badArgumentsAreRefusedAsNotifySendRefusesThem(_ flags: Flags) throws {
        let (reference, ours) = try Self.expectSame(flags.arguments)
        #expect(reference.status == 1)
        #expect(!ours.stderr.isEmpty)
        #expect(ours.notifies.isEmpty)
    }

    @Test func versionAndHelp() throws {
        let bus = try PrivateBus()
        let env = ["DBUS_SESSION_BUS_ADDRESS": bus.address]
        let version = try runCommand(try Self.trainbell, ["send", "-v"], environment: env)
        #expect(version.status == 0)
        #expect(version.stdout == "notify-send 0.8.1 (trainbell 0.1.0)\n")
        #expect(try runCommand(try Self.trainbell, ["send", "--version", "Summary"], environment: env).stdout == version.stdout)
        for flag in ["--help", "-?", "--help-all"] {
            let help = try runCommand(try Self.trainbell, ["send", "Summary", flag], environment: env)
            #expect(help.status == 0)
            #expect(help.stdout.contains("USAGE: trainbell send [OPTION…] <SUMMARY> [BODY]"))
            #expect(help.stdout.contains("-h, --hint=TYPE:NAME:VALUE"))
        }
    }

    // MARK: - Waiting for the user, against notify-send

    @Test func namedActionPrintsItsName() throws {
        let (reference, _) = try Self.expectSame(["-A", "yes=Yes", "-A", "No", "-A", "  spaced = Label  ", "Continue?"]) { server, id, _ in
            try server.invokeAction(id: id, actionKey: "yes", activationToken: "token-1")
        }
        #expect(reference.stdout == "yes\n")
        #expect(reference.notifies.first?.actions == ["yes", "Yes", "1", "No", "spaced", "Label"])
        #expect(reference.events.dropFirst().map { $0 } == [
            .activationToken(id: 1, token: "token-1"), .actionInvoked(id: 1, actionKey: "yes"),
            .closeNotification(id: 1), .notificationClosed(id: 1, reason: .closedByCall),
        ])
    }

    @Test func unnamedActionPrintsItsIndex() throws {
        let (reference, _) = try Self.expectSame(["-A", "=no name", "-A", "no text=", "-A", "Third", "-p", "Pick"]) { server, id, _ in
            try server.invokeAction(id: id, actionKey: "2")
        }
        #expect(reference.stdout == "1\n2\n")
        #expect(reference.notifies.first?.actions == ["2", "Third"])
    }

    @Test func defaultAndUnknownActionsAreNotAnswers() throws {
        let (reference, _) = try Self.expectSame(["-A", "ok=OK", "Question"], compareStderr: false) { server, id, _ in
            try server.invokeAction(id: id, actionKey: "default")
            try server.invokeAction(id: id, actionKey: "elsewhere")
            try server.invokeAction(id: id, actionKey: "ok")
        }
        #expect(reference.stdout == "ok\n")
    }

    @Test func waitEndsWhenTheServerClosesIt() throws {
        let (reference, _) = try Self.expectSame(["-w", "-p", "Waiting"]) { server, id, _ in
            try server.close(id: id, reason: .dismissedByUser)
        }
        #expect(reference.stdout == "1\n")
        #expect(reference.status == 0)
    }

    @Test func waitForAnActionEndsWhenTheServerClosesIt() throws {
        let (reference, _) = try Self.expectSame(["-A", "a=A", "Waiting"]) { server, id, _ in
            try server.close(id: id, reason: .expired)
        }
        #expect(reference.stdout == "")
    }

    @Test func interruptedWaitClosesTheNotification() throws {
        let (reference, _) = try Self.expectSame(["-w", "Waiting"]) { _, _, command in
            try Self.waitUntilCatching(SIGINT, command.pid)
            command.process.signal(SIGINT)
        }
        #expect(reference.stderr == "Wait cancelled, closing notification\n")
        #expect(reference.events.dropFirst().map { $0 } == [.closeNotification(id: 1), .notificationClosed(id: 1, reason: .closedByCall)])
    }

    @Test func serverWithoutActionsShowsItWithoutThemAndFails() throws {
        let plain = StandInNotificationServer.Configuration(capabilities: ["body"])
        let (reference, _) = try Self.expectSame(["-A", "yes=Yes", "-p", "No buttons"], configuration: plain)
        #expect(reference.status == 1)
        #expect(reference.stdout == "1\n")
        #expect(reference.notifies.map(\.actions) == [[]])
    }

    @Test func noServerFailsAsNotifySendFails() throws {
        let bus = try PrivateBus()
        let env = Self.environment(bus)
        let reference = try #require(try BackgroundCommand(try Self.notifySend, ["-p", "Nobody listens"], environment: env).wait())
        let ours = try #require(try BackgroundCommand(try Self.trainbell, ["send", "-p", "Nobody listens"], environment: env).wait())
        #expect(reference.status == 1)
        #expect(ours.status == reference.status)
        #expect(ours.stdout == reference.stdout)
        #expect(ours.stderr == reference.stderr)
    }

    /// notify-send 0.8.1 means to stop waiting after a positive expire time, but stores the time in a `long`
    /// through an `int` pointer and never does on 64-bit systems (fixed in libnotify 0.8.6); trainbell does.
    @Test func waitEndsAfterThePositiveExpireTime() throws {
        let ours = try Self.run(try Self.trainbell, ["send", "-w", "-t", "200", "Short"])
        #expect(ours.status == 0)
        #expect(ours.stderr == "Wait timeout expired\n")
        #expect(ours.notifies.map(\.expireTimeout) == [200])
    }

    /// Whether `pid` has a handler for `signal` (`SigCgt` in /proc/PID/status): then it is safe to send it.
    static func waitUntilCatching(_ signal: Int32, _ pid: pid_t) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
               let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16),
               mask & (1 << UInt64(signal - 1)) != 0 {
                return
            }
            usleep(2_000)
        }
        throw HarnessError("process \(pid) never caught signal \(signal)")
    }

    // MARK: - Through trainbelld

    /// trainbelld and a stand-in server on one bus; `trainbell send` goes through trainbelld.
    final class ThroughDaemon {
        let bus: PrivateBus
        let server: StandInNotificationServer
        let daemon: DaemonProcess
        let client: DaemonClient

        init(configuration: StandInNotificationServer.Configuration = .init()) throws {
            bus = try PrivateBus()
            server = try StandInNotificationServer(bus: bus, configuration: configuration)
            daemon = try DaemonProcess(bus: bus)
            client = try DaemonClient(bus: bus, recordSignals: false)
            // The daemon has read the server's information once its NotificationServer property says so.
            let deadline = Date().addingTimeInterval(10)
            while (try? client.call("Get", [.string(DaemonProcess.interface.rawValue), .string("NotificationServer")],
                                    interface: .properties))?.first?.stringValue ?? "" == "" {
                guard Date() < deadline else { throw HarnessError("trainbelld never saw the stand-in server") }
                usleep(10_000)
            }
        }

        func send(_ arguments: [String]) throws -> BackgroundCommand {
            try BackgroundCommand(try SendTests.trainbell, ["send"] + arguments, environment: SendTests.environment(bus))
        }

        /// The `Notify` that `command` caused; fails at once with its stderr when it ended without one.
        func notify(of command: BackgroundCommand, sourceLocation: SourceLocation = #_sourceLocation) throws -> NotifyCall {
            let deadline = Date().addingTimeInterval(10)
            while server.notifies.isEmpty && command.process.isRunning && Date() < deadline { usleep(2_000) }
            if let call = server.waitForNotifies(count: 1, timeout: 0.5).first { return call }
            throw HarnessError("the server got no Notify; trainbell send said: \(command.stderr)")
        }

        deinit {
            daemon.stop()
            server.stop()
            bus.stop()
        }
    }

    static let throughDaemon: [Flags] = [
        Flags("Plain summary"),
        Flags("-u", "critical", "-t", "5000", "-a", "My Trainer", "-i", "dialog-information", "-c", "transfer.complete",
              "-e", "Summary", "Body with <b>markup</b>"),
        Flags("-u", "low", "-r", "7", "-p", "Replace"),
        Flags("-h", "int:x-i:42", "-h", "string:x-s:a:b", "-h", "byte:x-b:3", "-h", "boolean:x-t:true", "Simple hints"),
        Flags("-h", "double:x-d:1.5", "-h", "variant:x-v:<int64 5>", "Hints trainbelld must pass through"),
        Flags("Résumé ✓ 日本語", "emoji 🎉"),
    ]

    @Test(arguments: throughDaemon)
    func throughTheDaemonTheServerGetsWhatNotifySendSends(_ flags: Flags) throws {
        let reference = try Self.run(try Self.notifySend, flags.arguments)
        let setup = try ThroughDaemon()
        let command = try setup.send(flags.arguments)
        let call = try setup.notify(of: command)
        let result = try #require(command.wait(seconds: 20), "trainbell send did not end")
        #expect(result.status == reference.status, "stderr: \(result.stderr)")
        #expect(result.stdout == reference.stdout)
        #expect(call.sender == setup.daemon.bus.connectAndAsk(uniqueNameOf: DaemonProcess.busName), "it went through trainbelld")
        // sender-pid is the pid of trainbell send, as libnotify sets it, not trainbelld's.
        #expect(call.hints["sender-pid"] == .int64(Int64(command.pid)))
        var expected = try #require(reference.notifies.first)
        expected.hints["sender-pid"] = .int64(Int64(command.pid))
        expected.sender = call.sender
        #expect(call == expected)

        let records = try setup.client.history("")
        let record = try #require(records.last)
        #expect(records.count == 1)
        #expect(record["type"] == .string("custom"))
        #expect(record["title"] == .string(expected.summary))
        #expect(record["server_id"] == .uint32(try #require(call.returnedID)))
    }

    @Test func throughTheDaemonAnActionIsAnsweredFromABroadcastingServer() throws {
        let setup = try ThroughDaemon(configuration: .init(unicastSignals: false))
        let command = try setup.send(["-A", "retry=Retry", "-A", "Ignore", "-p", "Training failed"])
        let call = try setup.notify(of: command)
        #expect(call.actions == ["retry", "Retry", "1", "Ignore"])
        let id = try #require(call.returnedID)
        try setup.server.invokeAction(id: id, actionKey: "1")
        let result = try #require(command.wait(seconds: 20), "trainbell send did not end")
        #expect(result.status == 0)
        #expect(result.stdout == "\(id)\n1\n")
        #expect(setup.server.wait { $0.contains(.closeNotification(id: id)) })
    }

    /// dunst sends ActionInvoked and NotificationClosed to the notification's sender only: trainbelld. It
    /// relays them to the `Send` caller as `NotificationActionInvoked` / `NotificationClosed`.
    @Test func throughTheDaemonAnActionIsAnsweredFromAServerThatSignalsItsClientOnly() throws {
        let setup = try ThroughDaemon(configuration: .init(unicastSignals: true))
        let command = try setup.send(["-A", "yes=Yes", "Question"])
        let call = try setup.notify(of: command)
        let id = try #require(call.returnedID)
        try setup.server.invokeAction(id: id, actionKey: "yes")
        let result = try #require(command.wait(seconds: 10), "trainbell send did not end: trainbelld does not relay the server's signals")
        #expect(result.stdout == "yes\n")
        #expect(result.status == 0)
    }

    @Test func throughTheDaemonWaitEndsWhenAServerThatSignalsItsClientOnlyClosesIt() throws {
        let setup = try ThroughDaemon(configuration: .init(unicastSignals: true))
        let command = try setup.send(["-w", "Waiting"])
        let call = try setup.notify(of: command)
        try setup.server.close(id: try #require(call.returnedID))
        let result = try #require(command.wait(seconds: 10), "trainbell send did not end: trainbelld does not relay the server's signals")
        #expect(result.status == 0)
    }

    @Test func withoutTheDaemonRunningItGoesStraightToTheServer() throws {
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        let result = try runCommand(try Self.trainbell, ["send", "-p", "Direct"], environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
        #expect(result.status == 0)
        #expect(result.stdout == "1\n")
        let call = try #require(server.waitForNotifies(count: 1).first)
        #expect(call.appName == "notify-send")
        #expect(bus.connectAndAsk(uniqueNameOf: DaemonProcess.busName) == nil)
    }
}

extension PrivateBus {
    /// The unique name owning `name` now, asked on a connection of its own.
    func connectAndAsk(uniqueNameOf name: BusName) -> String? {
        (try? connect())?.nameOwner(name)
    }
}
