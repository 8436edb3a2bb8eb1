import ArgumentParser
import DBus
import Glibc
import TrainBellCore

/// `trainbell run -- CMD`: runs a training command unchanged and reports what its output shows.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a training command and report what its output shows, with no code change.",
        discussion: """
            The command's output passes through unchanged (through a pseudo-terminal when yours is one, so \
            progress bars still draw). trainbell recognizes tqdm bars (also those of Hugging Face Trainer and \
            Accelerate), PyTorch Lightning and Keras progress, CUDA out-of-memory and other CUDA errors, NaN \
            losses, gradient overflows, Python tracebacks and warnings, and reports them as job JOB. When the \
            command ends, the job completes, or fails with the reason. trainbell exits with the command's \
            status (128+N when a signal N ended it). If trainbelld cannot be reached, the command still runs; \
            trainbell says once that notifications are off.

            Example: trainbell run --title "Llama LoRA" -- python train.py --epochs 3
            """)

    @Option(name: .customLong("job"), help: "The job id (default: the script's name and the start time).")
    var jobID: String?

    @Option(help: "Shown in notifications (default: the command line).")
    var title: String?

    @Option(name: .customLong("app-id"), help: "Desktop entry id whose dock icon shows the progress.")
    var appID: String?

    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else {
            throw ArgumentParser.ValidationError("missing the command to run: trainbell run [options] -- CMD [ARGS…]")
        }
    }

    func run() throws {
        let reporter = RunReporter(job: jobID ?? Self.defaultJobID(command), title: title ?? command.joined(separator: " "),
                                   appID: appID)
        let runner = ChildRunner(arguments: command)
        reporter.connectEarly()
        do {
            try runner.start()
        } catch let failure as Failure {
            printError("trainbell: \(failure.message)")
            reporter.report(exit: .failure(message: failure.message))
            throw ExitCode(failure.code)
        }
        // Ctrl-C reaches the command through the terminal (the kernel signals the whole foreground
        // group): trainbell waits for it to end and reports. A SIGINT sent to trainbell alone (a job
        // scheduler, `timeout -s INT`, `kill -INT PID`) is passed on, as SIGTERM and SIGHUP are.
        Self.forwardSIGINTFromProcesses()
        signal(SIGQUIT, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        RunCommand.forwardedChild = runner.pid
        for s in [SIGTERM, SIGHUP] {
            signal(s) { signal in
                if RunCommand.forwardedChild > 0 { kill(RunCommand.forwardedChild, signal) }
            }
        }
        // One recognizer per stream: a traceback on stderr must not be cut by a bar on stdout.
        var outputRecognizer = TrainingOutputRecognizer()
        var errorRecognizer = TrainingOutputRecognizer()
        var stderrTail = RecentLines(limit: 20)
        var outputTail = RecentLines(limit: 20)   // with a pseudo-terminal, stderr arrives here too
        let status = runner.pump(tickMilliseconds: 250, observe: { stream, chunk in
            if stream == .error {
                stderrTail.feed(chunk)
                for observation in errorRecognizer.feed(chunk) { reporter.observe(observation) }
            } else {
                outputTail.feed(chunk)
                for observation in outputRecognizer.feed(chunk) { reporter.observe(observation) }
            }
        }, tick: { reporter.flushProgress() })
        for observation in outputRecognizer.finish() + errorRecognizer.finish() { reporter.observe(observation) }
        reporter.flushProgress(force: true)

        let signalled = status & 0x7f != 0 && status & 0x7f != 0x7f
        let code: Int32 = signalled ? 128 + (status & 0x7f) : (status >> 8) & 0xff
        let tail = stderrTail.lines.isEmpty ? outputTail.lines : stderrTail.lines
        if Self.interrupted != 0 || TrainingOutputRecognizer.isInterruption(status: code, signal: signalled ? status & 0x7f : nil) {
            reporter.report(exit: .interrupted)
        } else if let (type, message) = TrainingOutputRecognizer.classifyExit(
            status: code, signal: signalled ? status & 0x7f : nil, lastStderrLines: tail, sawError: reporter.sawError) {
            reporter.report(exit: .error(type: type, message: message))
        } else if code == 0 {
            reporter.report(exit: .success)
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// `train` for `python train.py …`, else the command's name; with the start time, so runs stay apart.
    static func defaultJobID(_ command: [String]) -> String {
        let launchers: Set<String> = ["python", "python3", "uv", "poetry", "accelerate", "torchrun", "deepspeed", "srun", "env", "nohup"]
        var name = command.first.map(basename) ?? "run"
        if launchers.contains(name) || name.hasPrefix("python") {
            if let script = command.dropFirst().first(where: { !$0.hasPrefix("-") && $0 != "run" && $0 != "launch" }) {
                name = basename(script)
            }
        }
        if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = String(name[..<dot]) }
        var t = time(nil)
        var parts = tm()
        localtime_r(&t, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(name)-\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))-\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))-\(getpid())"
    }

    /// The command's pid, for the signal handlers (set once before they are installed).
    nonisolated(unsafe) static var forwardedChild: pid_t = 0

    /// Set by the SIGINT handler: the user (or a supervisor) interrupted the run, which then ends as
    /// cancelled whatever status the command chose on its way out.
    nonisolated(unsafe) static var interrupted: sig_atomic_t = 0

    /// `si_code` of a signal the kernel sent, as the terminal driver does for Ctrl-C (<siginfo.h>).
    static let sentByKernel: Int32 = 0x80

    /// SIGINT from the terminal is left to the command, which got it too; one from a process that
    /// signalled trainbell alone is forwarded (once) to the command.
    static func forwardSIGINTFromProcesses() {
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = { _, info, _ in
            RunCommand.interrupted = 1
            guard let info, info.pointee.si_code != RunCommand.sentByKernel, RunCommand.forwardedChild > 0 else { return }
            kill(RunCommand.forwardedChild, SIGINT)
        }
        action.sa_flags = SA_SIGINFO | SA_RESTART
        sigemptyset(&action.sa_mask)
        sigaction(SIGINT, &action, nil)
    }

    static func basename(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

/// The last lines of a stream, for the reason of a failure.
struct RecentLines {
    let limit: Int
    private(set) var lines: [String] = []
    private var partial: [UInt8] = []

    init(limit: Int) { self.limit = limit }

    mutating func feed(_ chunk: ArraySlice<UInt8>) {
        for byte in chunk {
            if byte == 0x0A || byte == 0x0D {
                if !partial.isEmpty { append(String(decoding: partial, as: UTF8.self)) }
                partial = []
            } else if partial.count < 4096 {
                partial.append(byte)
            }
        }
    }

    private mutating func append(_ line: String) {
        lines.append(line)
        if lines.count > limit { lines.removeFirst(lines.count - limit) }
    }
}

/// Reports what `run` saw to trainbelld; never lets a missing daemon break the training.
final class RunReporter {
    enum Exit {
        case success
        case interrupted
        case error(type: String, message: String)
        case failure(message: String)
    }

    let job: String
    let title: String
    let appID: String?
    private var service: Service?
    private var off = false
    private var started = false
    private(set) var sawError = false
    private var pendingProgress: (UInt64, UInt64?)?
    private var lastSentStep: UInt64?
    private var lastSent: Int64 = 0
    private var warned: Set<String> = []

    init(job: String, title: String, appID: String?) {
        self.job = job
        self.title = title
        self.appID = appID
    }

    /// The connection, made once; a failure turns reporting off with one message.
    private func connection() -> Service? {
        if off { return nil }
        if let service { return service }
        do {
            let s = try Service.connect()
            _ = try s.call("GetDoNotDisturb", timeout: 5)
            service = s
            return s
        } catch {
            off = true
            printError("trainbell: notifications are off for this run (\(error)); the command runs as usual")
            return nil
        }
    }

    /// Connects before the command starts, so no report waits on activation mid-run.
    func connectEarly() { _ = connection() }

    private func call(_ member: MemberName, _ args: [DBusValue]) {
        guard let s = connection() else { return }
        do {
            try s.call(member, args.map(Self.clean), timeout: 5)
        } catch let failure as Failure where failure.code == Service.unavailable {
            off = true
            printError("trainbell: notifications are off for this run (\(failure))")
        } catch {
            // One refused report (a bad value) does not end reporting.
            printError("trainbell: \(error)")
        }
    }

    /// Output may hold NUL bytes, which D-Bus strings cannot.
    static func clean(_ value: DBusValue) -> DBusValue {
        guard case .string(let s) = value, s.utf8.contains(0) else { return value }
        return .string(String(decoding: s.utf8.map { $0 == 0 ? 0x3F : $0 }, as: UTF8.self))
    }

    private func ensureStarted(total: UInt64?) {
        guard !started, let total, total > 0 else { return }
        started = true
        var options: [(String, DBusValue)] = []
        if let appID { options.append(("app-id", .string(appID))) }
        call("StartJob", [.string(job), .string(title), .uint64(total), .vardict(options)])
    }

    func observe(_ observation: TrainingObservation) {
        switch observation {
        case .progress(let current, let total):
            ensureStarted(total: total)
            pendingProgress = (current, total)
        case .metrics:
            break
        case .error(let type, let message, let details):
            flushProgress(force: true)
            sawError = true
            let text = details.isEmpty || details == message ? message : message + "\n\n" + details
            call("ReportError", [.string(job), .string(text), .string(type), .string("")])
        case .warning(let message):
            guard warned.insert(message).inserted else { return }
            call("ReportWarning", [.string(job), .string(message)])
        }
    }

    /// Sends the newest progress, at most ~4 times a second (no reply awaited).
    func flushProgress(force: Bool = false) {
        guard let (current, total) = pendingProgress, current != lastSentStep else { return }
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let now = Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
        guard force || now - lastSent >= 250 else { return }
        guard let s = connection() else { return }
        do {
            try s.callNoReply("ReportProgress", [.string(job), .uint64(current), .uint64(total ?? 0)])
        } catch {
            off = true
        }
        lastSentStep = current
        lastSent = now
        pendingProgress = nil
    }

    func report(exit: Exit) {
        switch exit {
        case .success:
            guard !sawError else { return }
            ensureStarted(total: 1)
            call("CompleteJob", [.string(job), .string("")])
        case .error(let type, let message):
            if !sawError { call("ReportError", [.string(job), .string(message), .string(type), .string("")]) }
        case .failure(let message):
            call("ReportError", [.string(job), .string(message), .string("system_crash"), .string("")])
        case .interrupted:
            // Ctrl-C: the user stopped it; no error notification.
            if started { call("CancelJob", [.string(job)]) }
        }
    }
}
