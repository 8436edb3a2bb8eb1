import Foundation
import Glibc

/// A command running while the test goes on (`notify-send -w`, `trainbell send --wait`): its output goes to
/// files that are read when it ends. Terminated when dropped.
public final class BackgroundCommand: @unchecked Sendable {
    // @unchecked Sendable: the process is reaped by whichever thread waits; tests wait from one thread.
    public let process: ChildProcess
    private let scratch: TemporaryDirectory

    /// Starts `executable` with the test's environment plus `environment` (values set to nil are removed).
    public init(_ executable: String, _ arguments: [String], environment: [String: String?] = [:]) throws {
        scratch = try TemporaryDirectory("trainbell-command")
        process = try ChildProcess(executable, arguments, environment: ChildProcess.environment(environment),
                                   stdout: scratch.path + "/stdout", stderr: scratch.path + "/stderr")
    }

    public var pid: pid_t { process.pid }

    /// Output so far.
    public var stdout: String { (try? String(contentsOfFile: scratch.path + "/stdout", encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: scratch.path + "/stderr", encoding: .utf8)) ?? "" }

    /// Waits at most `seconds` for the end; nil when it still runs.
    public func wait(seconds: Double = 10) -> (status: Int32, stdout: String, stderr: String)? {
        guard let status = process.wait(seconds: seconds) else { return nil }
        return (status, stdout, stderr)
    }

    deinit { process.terminate(grace: 1) }
}
