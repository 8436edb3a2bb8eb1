import Foundation
import Glibc

/// A headless X server (`Xvfb`) on a display number it picks itself (`-displayfd`), reachable only through
/// its local socket (`-nolisten tcp`). Stopped when stopped or dropped.
public final class VirtualDisplay: @unchecked Sendable {
    // @unchecked Sendable: the process is only stopped; `display` never changes.
    /// The `DISPLAY` value, such as `:3`.
    public let display: String
    private let directory: TemporaryDirectory
    private let process: ChildProcess

    /// Starts `Xvfb` with one screen of `width`×`height`×`depth` and waits until it accepts clients.
    public init(width: Int = 1280, height: Int = 800, depth: Int = 24, startTimeout: Double = 10) throws {
        let xvfb = try requireTool("Xvfb", package: "xvfb")
        directory = try TemporaryDirectory("trainbell-xvfb")
        // Xvfb writes the display number to the descriptor given with -displayfd once it listens: here
        // its standard output, which goes to a file.
        let numberFile = directory.path + "/display"
        let log = directory.path + "/xvfb.log"
        process = try ChildProcess(xvfb, ["-displayfd", "1", "-nolisten", "tcp", "-noreset",
                                          "-screen", "0", "\(width)x\(height)x\(depth)"],
                                   stdout: numberFile, stderr: log)
        let deadline = Date().addingTimeInterval(startTimeout)
        var number: Int?
        while number == nil {
            let text = (try? String(contentsOfFile: numberFile, encoding: .utf8)) ?? ""
            if text.hasSuffix("\n"), let n = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                number = n
                break
            }
            guard process.isRunning, Date() < deadline else {
                process.terminate()
                let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw HarnessError("Xvfb did not report a display within \(startTimeout) s; its log:\n\(output)")
            }
            usleep(5_000)
        }
        display = ":\(number ?? 0)"
    }

    /// Xvfb's process id.
    public var pid: pid_t { process.pid }

    /// The log Xvfb wrote so far.
    public var log: String { (try? String(contentsOfFile: directory.path + "/xvfb.log", encoding: .utf8)) ?? "" }

    public func stop() { process.terminate() }

    deinit { stop() }
}
