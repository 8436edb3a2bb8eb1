import BusTestSupport
import DBus
import Foundation

/// `make bench-cli`: start-up of `trainbell send` / `trainbell progress` against `notify-send` and,
/// for `progress`, against a minimal C libdbus client making the same call (`cClient`,
/// Tests/Tools/progress-client.c), on one private bus and the same notification server, timed by
/// hyperfine (interleaved runs) and measured for peak memory by GNU time; ends with the CLI's
/// figures of issue 17 beside their goals.
enum CommandLineBench {
    static func run(trainbell: String, cClient: String?) throws {
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
        var commands = [("notify-send", "\(notifySend) Summary Body"), ("trainbell send", "\(trainbell) send Summary Body"),
                        ("trainbell progress", "\(trainbell) progress bench 5")]
        if let cClient { commands.append(("C client progress", "\(cClient) bench 5")) }
        try hyperfineRun("through-daemon", commands)
        let progressPeak = try peakKB([trainbell, "progress", "bench", "5"])
        let sendDaemonPeak = try peakKB([trainbell, "send", "Summary", "Body"])
        print("Peak memory (GNU time %M, median of 20):")
        print("  notify-send:                    \(notifyPeak) KB")
        print("  trainbell send (direct):        \(sendPeak) KB")
        print("  trainbell send (via daemon):    \(sendDaemonPeak) KB")
        print("  trainbell progress (via daemon): \(progressPeak) KB")

        let medians = try self.medians(scratch.path + "/through-daemon.json")
        func ratio(_ a: String, _ b: String) -> String {
            guard let x = medians[a], let y = medians[b], y > 0 else { return "not measured" }
            return String(format: "%.2f× (%.2f vs %.2f ms, medians of 300 runs)", x / y, x * 1000, y * 1000)
        }
        print("\nIssue 17, the CLI's figures of this run:\n")
        print("| figure | measured | goal |\n| --- | --- | --- |")
        print("| `trainbell progress` wall time vs the C client | \(ratio("trainbell progress", "C client progress")) | ≤ 1.5× |")
        print("| `trainbell progress` wall time vs `notify-send` | \(ratio("trainbell progress", "notify-send")) | ≤ 0.6× |")
        print(String(format: "| CLI peak RSS vs `notify-send` | %.2f× (%d vs %d KB, medians of 20) | ≤ 1.0× |",
                     Double(progressPeak) / Double(max(notifyPeak, 1)), progressPeak, notifyPeak))
    }

    /// The median time (s) of each command of a hyperfine JSON export, by its name.
    static func medians(_ path: String) throws -> [String: Double] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let results = root["results"] as? [[String: Any]] else { return [:] }
        var medians: [String: Double] = [:]
        for result in results {
            if let name = result["command"] as? String, let median = result["median"] as? Double { medians[name] = median }
        }
        return medians
    }
}
