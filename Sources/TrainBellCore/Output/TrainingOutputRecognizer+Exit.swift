extension TrainingOutputRecognizer {
    /// Linux signal numbers and names, for messages.
    static let signalNames: [Int32: String] = [
        1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
        9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
        24: "SIGXCPU", 25: "SIGXFSZ",
    ]

    /// How many of the last stderr lines a `training_error` message quotes.
    static let quotedStderrLines = 5

    /// The error the end of the process is, if any.
    ///
    /// - Killed by SIGKILL: `oom_error`, "killed, probably by the
    ///   out-of-memory killer" (what the kernel's OOM killer sends), even
    ///   after a recognized error.
    /// - Otherwise, nothing when an error was already recognized in the
    ///   output (`sawError`): that error said it.
    /// - Killed by another signal: `system_crash`, "killed by SIGSEGV
    ///   (signal 11)".
    /// - A non-zero exit status: `training_error`, "exited with status N"
    ///   and the last non-blank lines of stderr.
    /// - Exit status 0: nil.
    ///
    /// `signal` is the signal that ended the process (nil when it exited).
    /// An interruption by the user (``isInterruption(status:signal:)``) is
    /// classified like any other signal; the caller may cancel the job
    /// instead.
    public static func classifyExit(
        status: Int32, signal: Int32?, lastStderrLines: [String], sawError: Bool
    ) -> (type: String, message: String)? {
        if let signal {
            if signal == 9 {
                return ("oom_error", "killed, probably by the out-of-memory killer")
            }
            if sawError { return nil }
            let name = signalNames[signal].map { "\($0) (signal \(signal))" } ?? "signal \(signal)"
            return ("system_crash", "killed by \(name)")
        }
        guard status != 0, !sawError else { return nil }
        let quoted = lastStderrLines.lazy
            .map { String($0.trimmingWhitespace) }
            .filter { !$0.isEmpty }
            .suffix(quotedStderrLines)
        var message = "exited with status \(status)"
        if !quoted.isEmpty {
            message += ":\n" + quoted.joined(separator: "\n")
        }
        return ("training_error", message)
    }

    /// Whether the process ended because the user interrupted it (Ctrl-C:
    /// SIGINT, or status 130 from a shell that ran it), rather than failed.
    public static func isInterruption(status: Int32, signal: Int32?) -> Bool {
        signal == 2 || (signal == nil && status == 130)
    }
}
