import Foundation
import Glibc

/// A real PulseAudio of the test's own: one null sink (`trainbell_test`, 48 kHz stereo, the default
/// sink) whose monitor the test records, served on a socket in a scratch folder. It never touches the
/// sound server of the person running the tests: its runtime, state and home folders are the scratch
/// folder, its clients (the daemon, `parec`, `pactl`) find it through ``clientEnvironment`` alone.
///
/// How it runs, also as root on a CI machine without a desktop session:
/// `pulseaudio -n --daemonize=no --exit-idle-time=-1 --disallow-exit -F <file>` with `HOME`,
/// `XDG_RUNTIME_DIR` and `PULSE_RUNTIME_PATH` in the scratch folder (`-n`: no default.pa; `--system`
/// is not wanted, it needs the pulse user and refuses module loading). As root it only warns ("This
/// program is not intended to be run as root") and runs; `auth-anonymous=1` on the native protocol
/// spares the clients a cookie, and `--realtime=no --high-priority=no` spares it a call to rtkit (no
/// system bus). Stopped by its PID (SIGTERM) when stopped or dropped.
public final class PrivatePulseAudio: @unchecked Sendable {
    // @unchecked Sendable: the folder and the process are only read after init; `stop` only stops them.
    public static let sinkName = "trainbell_test"
    public static let rate = 48_000
    public static let channels = 2

    public let directory: TemporaryDirectory
    public let socketPath: String
    public let logPath: String
    private let process: ChildProcess

    public init(startTimeout: Double = 10) throws {
        let pulseaudio = try requireTool("pulseaudio", package: "pulseaudio")
        directory = try TemporaryDirectory("trainbell-pulse")
        let runtime = directory.path + "/runtime"
        let home = directory.path + "/home"
        for folder in [runtime, home] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        socketPath = runtime + "/native"
        logPath = directory.path + "/pulseaudio.log"
        let script = directory.path + "/trainbell.pa"
        try """
            load-module module-null-sink sink_name=\(Self.sinkName) rate=\(Self.rate) channels=\(Self.channels) format=s16le
            load-module module-native-protocol-unix auth-anonymous=1 socket=\(socketPath)
            set-default-sink \(Self.sinkName)

            """.write(toFile: script, atomically: true, encoding: .utf8)
        try "autospawn = no\n".write(toFile: directory.path + "/client.conf", atomically: true, encoding: .utf8)
        let environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": home, "XDG_RUNTIME_DIR": runtime, "PULSE_RUNTIME_PATH": runtime,
            "PULSE_STATE_PATH": directory.path + "/state", "XDG_CONFIG_HOME": home + "/.config",
        ]
        process = try ChildProcess(pulseaudio, ["-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit",
                                                "--use-pid-file=no", "--realtime=no", "--high-priority=no",
                                                "--log-target=stderr", "-F", script],
                                   environment: environment, stdout: logPath, stderr: logPath)
        let pactl = try requireTool("pactl", package: "pulseaudio-utils")
        let deadline = Date().addingTimeInterval(startTimeout)
        while true {
            if FileManager.default.fileExists(atPath: socketPath),
               let info = try? runCommand(pactl, ["info"], environment: clientEnvironment), info.status == 0 { break }
            guard process.isRunning, Date() < deadline else {
                process.terminate()
                throw HarnessError("PulseAudio did not start: \(log)")
            }
            usleep(20_000)
        }
    }

    /// What a client of this server needs (and nothing of the developer's own sound server): its
    /// socket, no autospawn, a cookie file in the scratch folder.
    public var clientEnvironment: [String: String] {
        ["PULSE_SERVER": "unix:" + socketPath, "PULSE_CLIENTCONFIG": directory.path + "/client.conf",
         "PULSE_COOKIE": directory.path + "/cookie"]
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    public var pid: pid_t { process.pid }

    /// `pactl list sink-inputs`: the streams playing now, with their properties.
    public func sinkInputs() throws -> String {
        let pactl = try requireTool("pactl", package: "pulseaudio-utils")
        return try runCommand(pactl, ["list", "sink-inputs"], environment: clientEnvironment).stdout
    }

    /// Starts recording the null sink's monitor (`parec`, raw s16le).
    public func record() throws -> SoundRecording {
        try SoundRecording(server: self)
    }

    public func stop() { process.terminate() }

    deinit { stop() }
}

/// What the null sink of a ``PrivatePulseAudio`` played, recorded from its monitor by `parec` into a
/// raw file, and measured by `sox … stat` when stopped.
public final class SoundRecording: @unchecked Sendable {
    // @unchecked Sendable: the process is reaped by the one test thread that stops it.
    public let path: String
    private let scratch: TemporaryDirectory
    private let process: ChildProcess
    private let environment: [String: String]

    init(server: PrivatePulseAudio) throws {
        let parec = try requireTool("parec", package: "pulseaudio-utils")
        scratch = try TemporaryDirectory("trainbell-recording")
        path = scratch.path + "/monitor.raw"
        environment = ChildProcess.environment(server.clientEnvironment.mapValues { $0 })
        process = try ChildProcess(parec, ["--device=\(PrivatePulseAudio.sinkName).monitor", "--format=s16le",
                                           "--rate=\(PrivatePulseAudio.rate)", "--channels=\(PrivatePulseAudio.channels)",
                                           "--latency-msec=20", "--raw"],
                                   environment: environment, stdout: path, stderr: scratch.path + "/parec.log")
        // Recording once the stream is connected: parec has written its first bytes.
        let deadline = Date().addingTimeInterval(10)
        while ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) == 0 {
            guard process.isRunning, Date() < deadline else {
                throw HarnessError("parec did not record: \((try? String(contentsOfFile: scratch.path + "/parec.log", encoding: .utf8)) ?? "")")
            }
            usleep(10_000)
        }
    }

    /// Stops recording and measures what was recorded.
    public func stop() throws -> AudioMeasurement {
        process.terminate()
        return try AudioMeasurement(rawFile: path, rate: PrivatePulseAudio.rate, channels: PrivatePulseAudio.channels)
    }

    deinit { process.terminate(grace: 1) }
}

/// `sox … stat` of a sound: its length and loudness, and the length of its audible part (leading and
/// trailing silence, below -50 dBFS, cut off by sox's `silence` effect; 0 for silence throughout).
public struct AudioMeasurement: Sendable, CustomStringConvertible {
    /// The whole recording, in seconds.
    public var length: Double
    /// From the first to the last sample louder than -50 dBFS, in seconds.
    public var audibleLength: Double
    /// RMS and peak amplitude, 0...1.
    public var rms: Double
    public var maximum: Double

    /// A raw signed 16-bit recording.
    public init(rawFile: String, rate: Int, channels: Int) throws {
        try self.init(input: ["-t", "raw", "-r", "\(rate)", "-e", "signed", "-b", "16", "-c", "\(channels)", rawFile])
    }

    /// A sound file sox reads (the theme's `.oga`).
    public init(file: String) throws {
        try self.init(input: [file])
    }

    private init(input: [String]) throws {
        let sox = try requireTool("sox", package: "sox")
        let whole = try Self.stat(sox, input + ["-n", "stat"])
        let trimmed = try Self.stat(sox, input + ["-n", "silence", "1", "0.005", "-50d", "reverse",
                                                   "silence", "1", "0.005", "-50d", "reverse", "stat"])
        length = whole["Length (seconds)"] ?? 0
        rms = whole["RMS     amplitude"].flatMap { $0.isNaN ? 0 : $0 } ?? 0
        maximum = whole["Maximum amplitude"] ?? 0
        audibleLength = trimmed["Length (seconds)"] ?? 0
    }

    /// The `name: value` lines of `sox … stat` (written to standard error).
    private static func stat(_ sox: String, _ arguments: [String]) throws -> [String: Double] {
        let result = try runCommand(sox, arguments)
        guard result.status == 0 else { throw HarnessError("sox \(arguments.joined(separator: " ")): \(result.stderr)") }
        var values: [String: Double] = [:]
        for line in result.stderr.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            values[String(parts[0])] = Double(parts[1].trimmingCharacters(in: .whitespaces))
        }
        return values
    }

    public var description: String {
        String(format: "%.3f s (audible %.3f s), RMS %.4f, peak %.4f", length, audibleLength, rms, maximum)
    }
}
