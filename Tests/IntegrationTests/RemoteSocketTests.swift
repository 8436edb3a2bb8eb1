import BusTestSupport
import DBus
import DBusGLib
import Foundation
import Glibc
import Testing
import TrainBellAPI

/// trainbelld's own peer socket (issue 12, part 1): `$XDG_RUNTIME_DIR/trainbell/bus` serves
/// `org.trainbell.TrainBell1` and the job objects to bus clients as they are, refuses everything
/// else, and `trainbell ssh` forwards it through a real `sshd` so that a "remote" `trainbell`
/// notifies the desktop.
@Suite(.serialized) struct RemoteSocketTests {
    /// A daemon on a private bus with a runtime directory of its own, and a notification server.
    final class Desktop {
        let bus: PrivateBus
        let server: StandInNotificationServer
        let runtime: TemporaryDirectory
        let daemon: DaemonProcess
        var socketPath: String { runtime.path + "/trainbell/bus" }
        var socketAddress: String { "unix:path=" + socketPath }

        init(beforeStart: (String) throws -> Void = { _ in }) throws {
            bus = try PrivateBus()
            server = try StandInNotificationServer(bus: bus)
            runtime = try TemporaryDirectory("tb-run")
            chmod(runtime.path, 0o700)
            try beforeStart(runtime.path)
            daemon = try DaemonProcess(bus: bus, environment: ["XDG_RUNTIME_DIR": runtime.path])
            #expect(RemoteSocketTests.eventually { UnixSocket.answers(self.socketPath) }, "no socket; log:\n\(daemon.log)")
        }

        func stop() {
            daemon.stop()
            server.stop()
            bus.stop()
        }
    }

    @Test func theSocketServesTrainBellToBusClientsAndNothingElse() throws {
        let desktop = try Desktop()
        defer { desktop.stop() }
        // Private to the user: the directory 0700, the socket 0600.
        var st = stat()
        #expect(stat(desktop.runtime.path + "/trainbell", &st) == 0 && st.st_mode & 0o777 == 0o700)
        #expect(stat(desktop.socketPath, &st) == 0 && st.st_mode & 0o777 == 0o600)

        // A bus client connects as to a bus (Hello), and reaches trainbell with the typed API.
        let peer = try Connection(address: desktop.socketAddress)
        #expect(peer.uniqueName.hasPrefix(":trainbell."))
        let api = TrainBellClient(connection: peer)
        _ = try api.startJob("remote-1", title: "Over the socket", total: 100)
        try api.reportProgress("remote-1", step: 50, total: 100)
        let shown = desktop.server.waitForNotifies(count: 1)
        #expect(shown.first?.summary == "Training Halfway There!", "\(shown.map(\.summary))")
        let jobPath = try #require(try TrainBellClient(connection: peer).call(TrainBellObjects.getManagedObjects).value.keys.first)
        let properties = try api.call(TrainBellObjects.getAllProperties, TrainBellBus.jobInterface.rawValue, path: jobPath).value
        #expect(properties["CurrentStep"]?.unwrapped == .uint64(50), "\(properties)")
        #expect(properties["Host"]?.unwrapped == .string("ssh"), "a peer that named no host: \(properties)")
        // Naming the host is for peers only, and takes host names only.
        let local = try DaemonClient(bus: desktop.bus, recordSignals: false)
        #expect(throws: BusError.self) { try local.api.call(TrainBell1.identifyHost, "gpu-07") }
        #expect(throws: BusError.self) { try api.call(TrainBell1.identifyHost, "gpu 07; rm -rf") }

        // Nothing else: not the bus, not the session's other services, not trainbelld's other objects.
        func refusal(_ destination: BusName, _ path: ObjectPath, _ interface: InterfaceName, _ member: MemberName) -> BusError? {
            do {
                _ = try peer.call(destination: destination, path: path, interface: interface, member: member, timeout: 5)
                return nil
            } catch { return error }
        }
        let listNames = refusal("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "ListNames")
        #expect(listNames?.name == .accessDenied, "\(String(describing: listNames))")
        let notifications = refusal("org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                                    "org.freedesktop.Notifications", "GetServerInformation")
        #expect(notifications?.name == .accessDenied, "\(String(describing: notifications))")
        let launcher = refusal("org.trainbell.TrainBell1", "/com/canonical/unity/launcherentry/1",
                               .properties, "GetAll")
        #expect(launcher?.name == .accessDenied, "\(String(describing: launcher))")
        #expect(desktop.server.notifies.count == 1, "nothing reached the notification server through the socket")

        // The client tools speak to it unchanged: dbus-send with and without Hello, gdbus.
        let dbusSend = try runCommand("/usr/bin/dbus-send", ["--peer=" + desktop.socketAddress, "--print-reply",
                                      "/org/trainbell/TrainBell1", "org.trainbell.TrainBell1.ReportProgress",
                                      "string:remote-1", "uint64:80", "uint64:100"])
        #expect(dbusSend.status == 0, "\(dbusSend.stderr)")
        let gdbus = try runCommand("/usr/bin/gdbus", ["call", "--address", desktop.socketAddress, "--dest", "org.trainbell.TrainBell1",
                                   "--object-path", "/org/trainbell/TrainBell1", "--method", "org.trainbell.TrainBell1.CompleteJob",
                                   "remote-1", "done over gdbus"])
        #expect(gdbus.status == 0, "\(gdbus.stderr)")
        let done = desktop.server.waitForNotifies(count: 3)
        #expect(done.last?.summary == "Training Complete! 🎉", "\(done.map(\.summary))")
    }

    @Test func signalsReachPeersAndAClickOnRetryReachesARemoteClient() throws {
        let desktop = try Desktop()
        defer { desktop.stop() }
        let peer = try Connection(address: desktop.socketAddress)
        let loop = MainLoop()
        peer.attach(to: loop)
        var invoked: [[DBusValue]] = []
        try peer.subscribe(MatchRule(sender: TrainBellBus.name.rawValue, interface: TrainBellBus.interface, member: "ActionInvoked")) {
            invoked.append((try? $0.arguments()) ?? [])
        }
        _ = loop.run(until: { false }, timeout: 0.1)
        let api = TrainBellClient(connection: peer)
        _ = try api.startJob("remote-2", title: "Retry me", total: 10)
        _ = try api.reportError("remote-2", message: "CUDA out of memory", type: "oom_error", urgency: "")
        let error = try #require(desktop.server.waitForNotifies(count: 1).first)
        try desktop.server.invokeAction(id: try #require(error.returnedID), actionKey: "retry")
        #expect(loop.run(until: { !invoked.isEmpty }, timeout: 10), "no ActionInvoked reached the peer")
        #expect(invoked.first == [.string("remote-2"), .string("retry")], "\(invoked)")
    }

    @Test func aSocketLeftByADeadDaemonIsReplacedAndTheSocketGoesWithTheDaemon() throws {
        var stale = ""
        let desktop = try Desktop { runtime in
            // What a SIGKILLed trainbelld leaves: a socket file nothing listens on.
            try FileManager.default.createDirectory(atPath: runtime + "/trainbell", withIntermediateDirectories: true)
            stale = runtime + "/trainbell/bus"
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: Array(stale.utf8))
                raw[stale.utf8.count] = 0
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            #expect(bound == 0)
            close(fd)
            #expect(!UnixSocket.answers(stale))
        }
        #expect(UnixSocket.answers(stale))
        desktop.daemon.stop()
        #expect(access(stale, F_OK) != 0, "the socket is removed when trainbelld stops")
        desktop.server.stop()
        desktop.bus.stop()
    }

    /// A real `sshd` on a loopback port, with a generated host key and client key; `trainbell ssh` to
    /// it runs `trainbell start/progress/error` "on the remote side", which find the forwarded socket
    /// by themselves (no bus address in their environment).
    @Test func trainbellSshForwardsTheSocketToARemoteTrainbell() throws {
        let sshd = try SSHServer()
        defer { sshd.stop() }
        let desktop = try Desktop()
        defer { desktop.stop() }
        let remoteRuntime = sshd.remoteRuntime

        let trainbell = ((try DaemonProcess.executable) as NSString).deletingLastPathComponent + "/trainbell"
        // The remote commands get no bus address: they must find the forwarded socket.
        let remote = [
            "env -u DBUS_SESSION_BUS_ADDRESS -u TRAINBELL_ADDRESS TRAINBELL_HOST=gpu-07 \(trainbell) start run-1 --title 'Over ssh' --total 100",
            "env -u DBUS_SESSION_BUS_ADDRESS -u TRAINBELL_ADDRESS TRAINBELL_HOST=gpu-07 \(trainbell) progress run-1 50 --wait",
            "env -u DBUS_SESSION_BUS_ADDRESS -u TRAINBELL_ADDRESS TRAINBELL_HOST=gpu-07 \(trainbell) error run-1 'CUDA out of memory' --type oom_error",
            "env -u DBUS_SESSION_BUS_ADDRESS -u TRAINBELL_ADDRESS TRAINBELL_HOST=gpu-08 \(trainbell) start run-1 --title 'Same id elsewhere' --total 10",
            "ls -l \"$XDG_RUNTIME_DIR/trainbell/desktop\"",
        ].joined(separator: " && ")
        let controlDir = try TemporaryDirectory("tb-ctl")
        let result = try runCommand(trainbell, ["ssh"] + sshd.clientOptions + [sshd.destination, remote],
                                    environment: ["XDG_RUNTIME_DIR": desktop.runtime.path, "DBUS_SESSION_BUS_ADDRESS": desktop.bus.address,
                                                  "HOME": controlDir.path])
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)\nsshd: \(sshd.log)")
        #expect(result.stdout.contains("/org/trainbell/TrainBell1/job/gpu_2d07_2frun_2d1"), "\(result.stdout)")
        #expect(result.stdout.contains(remoteRuntime + "/trainbell/desktop"), "the socket was forwarded under the remote runtime directory: \(result.stdout)")
        let shown = desktop.server.waitForNotifies(count: 2)
        #expect(shown.map(\.summary) == ["Training Halfway There!", "Training Error"], "\(shown.map(\.summary))")
        #expect(shown.last?.body.contains("CUDA out of memory") == true)
        #expect(shown.allSatisfy { $0.body.hasSuffix("on gpu-07") }, "the host is in the bubble: \(shown.map(\.body))")
        // And in the desktop's history, one job per host though both named theirs run-1.
        let client = try DaemonClient(bus: desktop.bus, recordSignals: false)
        let records = try client.history("gpu-07/run-1").compactMap { $0["type"]?.stringValue }
        #expect(records == ["progress", "error"], "\(records)")
        let jobs = try client.api.call(TrainBellObjects.getManagedObjects).value
        let hosts = jobs.values.compactMap { $0[TrainBellBus.jobInterface.rawValue]?["Host"]?.unwrapped.stringValue }.sorted()
        #expect(hosts == ["gpu-07", "gpu-08"], "\(jobs)")
        #expect(desktop.daemon.log.contains("peer socket: pid"), "the calls came through the socket")
        // The shared connection ends with its last session (ControlPersist); end it now.
        _ = try? runCommand("/usr/bin/ssh", ["-O", "exit", "-o", "ControlPath=\(desktop.runtime.path)/trainbell/ssh-%C",
                                             "-p", String(sshd.port), sshd.destination])
    }

    /// Waits (at most 10 s) for `condition`.
    static func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<200 {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }
}
