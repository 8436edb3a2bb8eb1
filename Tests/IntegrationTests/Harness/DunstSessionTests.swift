import BusTestSupport
import DBus
import Foundation
import Glibc
import Testing

/// The harness against the real dunst: what `notify-send` sends is what the recorder sees, dunst's own
/// interface shows, pauses and clicks what it displays, and dropping the session leaves nothing behind.
@Suite struct DunstSessionTests {
    @Test func theRecorderSeesTheExactNotifyArgumentsAndTheIDDunstReturned() throws {
        let session = try DunstSession()
        let notifySend = try requireTool("notify-send", package: "libnotify-bin")
        let command = try BackgroundCommand(notifySend, [
            "-p", "-u", "critical", "-a", "app", "-i", "icon", "-h", "int:value:42",
            "-h", "string:x-dunst-stack-tag:t", "Sum", "Body",
        ], environment: session.clientEnvironment)
        let result = try #require(command.wait())
        #expect(result.status == 0, "notify-send failed: \(result.stderr)")
        let printedID = try #require(UInt32(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))

        let calls = session.recorder.waitForNotifies(count: 1)
        let call = try #require(calls.first)
        #expect(calls.count == 1)
        #expect(call == NotifyCall(
            appName: "app", replacesID: 0, icon: "icon", summary: "Sum", body: "Body", actions: [],
            hints: ["urgency": .byte(2), "value": .int32(42), "x-dunst-stack-tag": .string("t"),
                    "sender-pid": .int64(Int64(command.pid))],
            expireTimeout: -1, returnedID: printedID, sender: call.sender))
        #expect(call.sender.hasPrefix(":"))
        #expect(call.urgency == 2)

        // dunst shows it, and after it is closed lists it in its history.
        #expect(try session.dunst.waitForCounts { $0.displayed == 1 } == Dunst.Counts(displayed: 1, waiting: 0, history: 0))
        try session.dunst.closeAll()
        let history = try session.dunst.history()
        #expect(history.count == 1)
        let shown = try #require(history.first)
        #expect(shown.id == printedID)
        #expect(shown.appName == "app")
        #expect(shown.summary == "Sum")
        #expect(shown.body == "Body")
        #expect(shown.message == "Sum Body")
        #expect(shown.progress == 42)
        #expect(shown.timeout == 0)
    }

    @Test func pausedIsReadBackAndHoldsNotificationsUntilUnpaused() throws {
        let session = try DunstSession()
        #expect(try session.dunst.paused == false)
        try session.dunst.setPaused(true)
        #expect(try session.dunst.paused == true)

        let notifySend = try requireTool("notify-send", package: "libnotify-bin")
        let sent = try runCommand(notifySend, ["-p", "Held", "while paused"], environment: session.clientEnvironment)
        #expect(sent.status == 0, "notify-send failed: \(sent.stderr)")
        // dunst still answers Notify with an id, but displays nothing.
        #expect(session.recorder.waitForNotifies(count: 1).first?.returnedID == UInt32(sent.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try session.dunst.waitForCounts { $0.waiting == 1 } == Dunst.Counts(displayed: 0, waiting: 1, history: 0))

        try session.dunst.setPaused(false)
        #expect(try session.dunst.paused == false)
        #expect(try session.dunst.waitForCounts { $0.displayed == 1 } == Dunst.Counts(displayed: 1, waiting: 0, history: 0))
    }

    @Test func invokingTheActionOfADisplayedNotificationAnswersNotifySendsDefaultAction() throws {
        let session = try DunstSession()
        let notifySend = try requireTool("notify-send", package: "libnotify-bin")
        let command = try BackgroundCommand(notifySend, ["-A", "default=Open", "Ready", "Click me"],
                                            environment: session.clientEnvironment)
        let id = try #require(session.recorder.waitForNotifies(count: 1).first?.returnedID)
        try session.dunst.invokeAction()

        let result = try #require(command.wait())
        #expect(result.status == 0)
        #expect(result.stdout == "default\n")
        // notify-send closes the notification after the click; dunst confirms.
        #expect(session.recorder.wait { $0.contains(.notificationClosed(id: id, reason: .closedByCall)) })
        #expect(session.recorder.events.dropFirst() == [
            .actionInvoked(id: id, actionKey: "default"),
            .closeNotification(id: id),
            .notificationClosed(id: id, reason: .closedByCall),
        ])
    }

    @Test func anActionRuleLetsDunstClickANamedActionAmongSeveral() throws {
        let rule = Dunst.actionRule(name: "click-yes", actionKey: "yes", appName: "clicker")
        let session = try DunstSession(extraDunstConfiguration: rule)
        let notifySend = try requireTool("notify-send", package: "libnotify-bin")
        let command = try BackgroundCommand(notifySend, ["-a", "clicker", "-A", "no=No", "-A", "yes=Yes", "Pick", "one"],
                                            environment: session.clientEnvironment)
        let call = try #require(session.recorder.waitForNotifies(count: 1).first)
        #expect(call.actions == ["no", "No", "yes", "Yes"])
        #expect(call.actionKeys == ["no", "yes"])
        try session.dunst.invokeAction()

        let result = try #require(command.wait())
        #expect(result.status == 0)
        #expect(result.stdout == "yes\n")
        let id = try #require(call.returnedID)
        #expect(session.recorder.events.contains(.actionInvoked(id: id, actionKey: "yes")))
    }

    @Test func setRuleSwitchesAnActionRuleForTheNotificationsThatFollow() throws {
        let rule = Dunst.actionRule(name: "click-yes", actionKey: "yes", appName: "clicker", enabled: false)
        let session = try DunstSession(extraDunstConfiguration: rule)
        let notifySend = try requireTool("notify-send", package: "libnotify-bin")
        let before = try BackgroundCommand(notifySend, ["-a", "clicker", "-A", "no=No", "-A", "yes=Yes", "Before", "one"],
                                           environment: session.clientEnvironment)
        _ = session.recorder.waitForNotifies(count: 1)
        try session.dunst.setRule("click-yes", enabled: true)
        let after = try BackgroundCommand(notifySend, ["-a", "clicker", "-A", "no=No", "-A", "yes=Yes", "After", "one"],
                                          environment: session.clientEnvironment)
        _ = session.recorder.waitForNotifies(count: 2)
        try session.dunst.waitForCounts { $0.displayed == 2 }

        // Closing them (as the user would) ends both waiting notify-sends without an action.
        try session.dunst.closeAll()
        #expect(before.wait()?.stdout == "")
        #expect(after.wait()?.stdout == "")
        let actionNames = try session.dunst.history().map { [$0.summary, $0.defaultActionName] }
        #expect(actionNames == [["After", "yes"], ["Before", "default"]])
    }

    @Test func dunstAdvertisesBodyMarkupAndActions() throws {
        let session = try DunstSession()
        let capabilities = try session.dunst.capabilities()
        #expect(capabilities.contains("actions"))
        #expect(capabilities.contains("body-markup"))
        #expect(capabilities.contains("x-dunst-stack-tag"))
    }

    @Test func droppingASessionStopsEveryProcessItStarted() throws {
        var pids: [pid_t] = []
        var display = ""
        do {
            let session = try DunstSession()
            let busPID = try #require(try session.bus.connect().processID(of: "org.freedesktop.DBus"))
            pids = [session.dunst.pid, session.display.pid, pid_t(busPID)]
            display = String(session.display.display.dropFirst())
            #expect(pids.allSatisfy { kill($0, 0) == 0 })
            #expect(FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(display)"))
        }
        for pid in pids {
            #expect(kill(pid, 0) == -1 && errno == ESRCH, "process \(pid) still exists")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(display)"))
    }

    @Test func stoppingTwiceAndThenDroppingIsHarmless() throws {
        let session = try DunstSession()
        let dunst = session.dunst.pid
        session.stop()
        session.stop()
        #expect(kill(dunst, 0) == -1)
    }
}
