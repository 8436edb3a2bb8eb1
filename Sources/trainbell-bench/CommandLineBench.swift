import BusTestSupport
import DBus
import Foundation

/// `make bench-cli`: start-up of `trainbell send` / `trainbell progress` against `notify-send`, on one
/// private bus and the same notification server, timed by hyperfine (interleaved runs) and measured
/// for peak memory by GNU time.
enum CommandLineBench {
    static func run(trainbell: String) throws {
        let hyperfine = try requireTool("hyperfine", package: "hyperfine")
        let gnuTime = "/usr/bin/time"
        guard FileManager.default.isExecutableFile(atPath: gnuTime) else { throw MissingTool(tool: gnuTime, package: "time") }
        let notifySend = try requireTool("notify-send", package: "libnotify-bin")
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let env = ["DBUS_SESSION_BUS_ADDRESS": bus.address]
        let scratch = try TemporaryDirectory("trainbell-bench")

        func hyperfineRun(_ name: String, _ commands: [(String, String)]) throws {
            var args = ["--warmup", "20", "--runs", "300", "--shell=none", "--style", "basic", "--export-json", scratch.path + "/\(name).json"]
            for (label, command) in commands { args += ["--command-name", label, command] }
            let result = try runCommand(hyperfine, args, environment: env)
            print(result.stdout)
            if result.status != 0 { print(result.stderr) }
        }

        func peakKB(_ command: [String]) throws -> Int {
            var peaks: [Int] = []
            for _ in 0..<20 {
                let r = try runCommand(gnuTime, ["-f", "%M"] + command, environment: env)
                if let kb = Int(r.stderr.split(separator: "\n").last ?? "") { peaks.append(kb) }
            }
            return peaks.sorted()[peaks.count / 2]
        }

        print("== Direct mode (no trainbelld): trainbell send vs notify-send, same server ==\n")
        try hyperfineRun("send-direct", [("notify-send", "\(notifySend) Summary Body"),
                                         ("trainbell send", "\(trainbell) send Summary Body")])
        let notifyPeak = try peakKB([notifySend, "Summary", "Body"])
        let sendPeak = try peakKB([trainbell, "send", "Summary", "Body"])

        print("== Through trainbelld (release build beside trainbell) ==\n")
        let daemon = try DaemonProcess(bus: bus, arguments: ["--log-level", "warning"])
        defer { daemon.stop() }
        _ = try runCommand(trainbell, ["start", "bench", "--total", "1000000000"], environment: env)
        try hyperfineRun("through-daemon", [("notify-send", "\(notifySend) Summary Body"),
                                            ("trainbell send", "\(trainbell) send Summary Body"),
                                            ("trainbell progress", "\(trainbell) progress bench 5")])
        let progressPeak = try peakKB([trainbell, "progress", "bench", "5"])
        let sendDaemonPeak = try peakKB([trainbell, "send", "Summary", "Body"])
        print("Peak memory (GNU time %M, median of 20):")
        print("  notify-send:                    \(notifyPeak) KB")
        print("  trainbell send (direct):        \(sendPeak) KB")
        print("  trainbell send (via daemon):    \(sendDaemonPeak) KB")
        print("  trainbell progress (via daemon): \(progressPeak) KB")
    }
}
