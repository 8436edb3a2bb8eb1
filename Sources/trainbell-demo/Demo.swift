import BusTestSupport
import DBus
import Foundation
import TrainBellAPI

/// `make demo`: a short training run played through `gdbus call` against a real trainbelld and a real
/// notification server, then what the server received and the job's history, as tables.
///
/// Without a desktop session it makes its own: a private bus, Xvfb and dunst. With one
/// (`DBUS_SESSION_BUS_ADDRESS` and a display), it uses the real session and its notification server.
@main
struct Demo {
    static func main() {
        do {
            try run()
        } catch {
            FileHandle.standardError.write(Data("demo: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run() throws {
        let env = ProcessInfo.processInfo.environment
        let hasDesktop = (env["DISPLAY"] != nil || env["WAYLAND_DISPLAY"] != nil)
            && Connection.sessionBusAddress() != nil && env["TRAINBELL_DEMO_PRIVATE"] == nil
        let gdbus = try requireTool("gdbus", package: "libglib2.0-bin")

        var session: DunstSession?
        let address: String
        let recorder: NotifyRecorder
        let bus: PrivateBus?
        if hasDesktop, let sessionAddress = Connection.sessionBusAddress() {
            print("Using your desktop session: the notifications appear on your screen.\n")
            address = sessionAddress
            bus = nil
            recorder = try NotifyRecorder(address: sessionAddress)
        } else {
            print("No desktop session: starting a private session bus, Xvfb and dunst.\n")
            let s = try DunstSession()
            session = s
            address = s.bus.address
            bus = s.bus
            recorder = s.recorder
        }
        defer { session?.stop() }
        // A dock (what Dash to Dock, Plank or Plasma's task manager are) that records what it is sent.
        let dock = try session.map { try StandInDock(bus: $0.bus) }
        defer { dock?.stop() }

        // trainbelld from this build, with its own state so the demo leaves the user's history alone.
        let home = try TemporaryDirectory("trainbell-demo")
        var daemon: ChildProcess?
        let probe = try Connection(address: address)
        if probe.nameOwner(TrainBellBus.name) == nil {
            var denv = env
            denv["XDG_STATE_HOME"] = home.path + "/state"
            denv["XDG_CONFIG_HOME"] = home.path + "/config"
            daemon = try ChildProcess(try DaemonProcess.executable, ["--address", address],
                                      environment: denv, stderr: home.path + "/trainbelld.log")
            let deadline = Date().addingTimeInterval(10)
            while probe.nameOwner(TrainBellBus.name) == nil {
                guard Date() < deadline else { throw BusError(.failed, "trainbelld did not start") }
                usleep(20_000)
            }
        } else {
            print("A trainbelld is already running on this bus: the demo uses it.\n")
        }
        defer { daemon?.terminate() }

        print("A training run, reported with gdbus call:\n")
        let demoStart = Int64(Date().timeIntervalSince1970 * 1_000_000)
        func call(_ method: String, _ args: [String]) throws {
            // gdbus, as a trainer in any language would call: what the demo shows is what one types.
            let (name, path, interface) = (TrainBellBus.name.rawValue, TrainBellBus.path.rawValue, TrainBellBus.interface.rawValue)
            let arguments = ["call", "--address", address, "--dest", name, "--object-path", path,
                             "--method", interface + "." + method] + args
            let shown = (["gdbus", "call", "-e", "-d", name, "-o", path, "-m", interface + "." + method]
                + args.map(Self.quoted)).joined(separator: " ")
            let result = try runCommand(gdbus, arguments)
            print("  $ \(shown)")
            let out = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            if !out.isEmpty && out != "()" { print("    \(out)") }
            if result.status != 0 { print("    error: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))") }
        }
        let job = "demo-run"
        let dunstctl = session != nil ? try? requireTool("dunstctl", package: "dunst") : nil
        func dunstPaused(_ on: Bool) throws {
            guard let dunstctl, let session else { return }
            print("  $ dunstctl set-paused \(on)    # Do Not Disturb \(on ? "on" : "off")")
            _ = try runCommand(dunstctl, ["set-paused", on ? "true" : "false"], environment: session.clientEnvironment)
            usleep(300_000)
        }
        try call("StartJob", [job, "Llama-3 8B LoRA", "1000", "{'app-id': <'org.gnome.Terminal'>}"])
        for step in stride(from: 100, through: 850, by: 150) {
            if step == 400 { try dunstPaused(true) }
            try call("ReportProgress", [job, "\(step)", "0"])
            if step == 550 { try dunstPaused(false) }
            usleep(150_000)
        }
        try call("ReportWarning", [job, "gradient norm 12.7 above the clip value"])
        try call("ReportError", [job, "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB", "oom_error", ""])
        try call("ReportProgress", [job, "1000", "0"])

        let calls = recorder.waitForNotifies(count: 6, timeout: 10)
        print("\nWhat the notification server received (\(calls.count) Notify calls):\n")
        var rows = [["#", "summary", "body", "urgency", "actions", "replaces id"]]
        var hintLines: [String] = []
        for (i, c) in calls.enumerated() {
            let urgency = ["low", "normal", "critical"][Int(min(c.urgency ?? 1, 2))]
            let actions = stride(from: 0, to: c.actions.count - 1, by: 2).map { "\(c.actions[$0])=\(c.actions[$0 + 1])" }
            let hints = c.hints.keys.sorted().filter { $0 != "urgency" }.map { "\($0)=\(Self.render(c.hints[$0]!))" }
            rows.append(["\(i + 1)", c.summary, Self.cut(c.body, 44), "\(urgency) (\(c.urgency ?? 1))",
                         actions.joined(separator: " "), c.replacesID == 0 ? "-" : "\(c.replacesID)"])
            hintLines.append("  \(i + 1)  " + hints.joined(separator: ", "))
        }
        print(Self.table(rows))
        print("\n  Hints (besides urgency):")
        print(hintLines.joined(separator: "\n"))

        let records = try TrainBellClient(connection: probe).notifications(of: "")
            .map { Dictionary($0.entries.map { ($0.key, $0.value.unwrapped) }, uniquingKeysWith: { $1 }) }
            .filter { $0["job_id"] == .string(job) || ($0["type"] == .string("digest") && ($0["timestamp"]?.integerValue ?? 0) >= demoStart) }
        print("\nThe history (GetNotifications; the digest belongs to no job):\n")
        var history = [["id", "job", "type", "title", "milestone", "urgency", "sound", "delivery", "server id"]]
        for r in records {
            history.append([Self.render(r["id"]), Self.render(r["job_id"]), Self.render(r["type"]), Self.render(r["title"]),
                            r["milestone"].map(Self.render) ?? "-", Self.render(r["urgency"]), Self.render(r["sound"]),
                            Self.render(r["delivery"]), Self.render(r["server_id"])])
        }
        print(Self.table(history))
        _ = bus
        if let dock {
            _ = dock.wait(timeout: 8) { $0.last?.properties["progress-visible"] == .boolean(false) }
            print("\nWhat a dock received (com.canonical.Unity.LauncherEntry.Update, coalesced to ≤ 10 a second):\n")
            var rows = [["#", "after", "app", "progress", "visible", "count", "badge", "urgent"]]
            let start = dock.updates.first?.time ?? Date()
            for (i, u) in dock.updates.enumerated() {
                let p = u.properties
                rows.append(["\(i + 1)", String(format: "%.2f s", u.time.timeIntervalSince(start)), u.appURI,
                             p["progress"]?.doubleValue.map { String(format: "%.3f", $0) } ?? "",
                             Self.render(p["progress-visible"]), Self.render(p["count"]), Self.render(p["count-visible"]),
                             Self.render(p["urgent"])])
            }
            print(Self.table(rows))
        } else {
            print("\nYour dock (Dash to Dock, Plank, Plasma's task manager) showed the progress on org.gnome.Terminal's icon.")
        }
        print("\nEverything the demo started is stopped now.")
    }

    static func quoted(_ s: String) -> String {
        !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || "-_./".contains($0) } ? s : "\"\(s)\""
    }

    static func render(_ v: DBusValue?) -> String {
        guard let v else { return "" }
        switch v.unwrapped {
        case .string(let s): return s
        case .boolean(let b): return b ? "yes" : "no"
        case .byte(let b): return "\(b)"
        default: return v.unwrapped.integerValue.map(String.init) ?? "\(v.unwrapped)"
        }
    }

    static func cut(_ s: String, _ n: Int) -> String {
        let flat = s.replacingOccurrences(of: "\n", with: " ")
        return flat.count > n ? String(flat.prefix(n - 1)) + "…" : flat
    }

    static func table(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ row: [String]) -> String {
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        let rule = widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.dropFirst().map(line)).map { "  " + $0 }.joined(separator: "\n")
    }
}
