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

            With --broker (or TRAINBELL_BROKER) the reports are published to an MQTT broker instead, as events of \
            schema v1 of this host (TRAINBELL_HOST, else the short host name): progress at most once a second, \
            retained on the job's own topic; metrics merged, at most every 10 s (the interval doubling every 100 \
            messages); the rest with QoS 1, which the broker acknowledges before trainbell \
            exits (at most 15 s). A broker lost during the run is connected again (1 s, doubling to 30 s) while \
            the reports wait. Clicks on the desktop (B/actions/HOST/JOB) are said on stderr.

            The output never waits for trainbelld: reports go out from a thread of their own, through a small \
            queue (the latest progress kept, errors and warnings in order), each waiting at most 25 s for its \
            answer. At the end trainbell waits at most 5 s for trainbelld to answer the last reports, then \
            leaves them to the bus, which hands them over when trainbelld answers again.

            When the command exits, processes it started in the background may still hold its output: trainbell \
            passes what they write until they close it, for at most --grace seconds. Output they write after \
            that is not shown: their writes fail (EPIPE, or SIGPIPE if they do not ignore it; EIO on a \
            pseudo-terminal). Send a long-lived helper's output to a file (tensorboard > tb.log 2>&1 &).

            With trainbell's Python package installed (pip install ./python), a Python command is instrumented \
            from the inside: trainbell sets TRAINBELL_JOB for it, and the package then reports exact steps and \
            metrics (Transformers, Lightning, Keras) and typed exceptions with their traceback; trainbell stops \
            reading those from the output, and still reports the exit status, signals and the out-of-memory killer.

            Example: trainbell run --title "Llama LoRA" -- python train.py --epochs 3
            """)

    @Option(name: .customLong("job"), help: "The job id (default: the script's name and the start time).")
    var jobID: String?

    @Option(help: "Shown in notifications (default: the command line).")
    var title: String?

    @Option(name: .customLong("app-id"), help: "Desktop entry id whose dock icon shows the progress.")
    var appID: String?

    @Option(help: ArgumentHelp(
        "After the command exits, how long to keep passing the output of processes it left running (default 5; 0: stop at once).",
        valueName: "seconds"))
    var grace: Double?

    @OptionGroup(title: "Through an MQTT broker")
    var broker: BrokerOptions

    /// `--grace` when not given: long enough for workers that flush their logs as they end.
    static let defaultGrace = 5.0

    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else {
            throw ArgumentParser.ValidationError("missing the command to run: trainbell run [options] -- CMD [ARGS…]")
        }
        if let grace, !(grace.isFinite && (0...3_600).contains(grace)) {
            throw ArgumentParser.ValidationError("--grace must be a number of seconds from 0 to 3600 (got \(grace))")
        }
    }

    func run() throws {
        let job = jobID ?? Self.defaultJobID(command)
        let title = self.title ?? command.joined(separator: " ")
        // A Python with trainbell's package installed reports from the inside, and says so here.
        let link = InstrumentationLink()
        let target: BrokerTarget?
        do {
            target = try broker.target()
            try target?.checkJob(job)
        } catch {
            printError("trainbell: \(error.description)")
            throw ExitCode(64)
        }
        let sender: any RunReportSink = target.map { BrokerReportSender(job: job, target: $0) } ?? ReportSender(job: job)
        let reporter = RunReporter(title: title, appID: appID, link: link, sender: sender)
        let grace = self.grace ?? Self.defaultGrace
        var environment = link?.environment(job: job, title: title, appID: appID) ?? ["TRAINBELL_JOB": job, "TRAINBELL_TITLE": title]
        // trainbell's Python package inside publishes to the same broker, as the same host.
        if let target { environment.merge(broker.childEnvironment(target)) { $1 } }
        let runner = ChildRunner(arguments: command, environment: environment)
        reporter.connectEarly()
        defer { link?.closeWriteEnd() }
        do {
            try runner.start()
            link?.closeWriteEnd()
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
        // The output is read on a thread of its own: the pump only reads and writes.
        let watcher = OutputWatcher(read: { stream, chunk in
            // What the command said on the link before this output was written is read first.
            link?.refresh()
            let observations = stream == .error ? errorRecognizer.feed(chunk) : outputRecognizer.feed(chunk)
            for observation in observations { reporter.observe(observation) }
            reporter.flushProgress()
        }, tick: {
            link?.refresh()
            reporter.flushProgress()
        })
        watcher.start()
        let status = runner.pump(grace: grace, tickMilliseconds: 250, observe: { stream, chunk in
            watcher.submit(stream, chunk)
        }, tick: {})
        watcher.finish()
        link?.refresh()
        for observation in outputRecognizer.finish() + errorRecognizer.finish() { reporter.observe(observation) }

        let signalled = status & 0x7f != 0 && status & 0x7f != 0x7f
        let code: Int32 = signalled ? 128 + (status & 0x7f) : (status >> 8) & 0xff
        // With a pseudo-terminal, stderr arrives with stdout.
        let tail = errorRecognizer.recentLines.isEmpty ? outputRecognizer.recentLines : errorRecognizer.recentLines
        if Self.interrupted != 0 || TrainingOutputRecognizer.isInterruption(status: code, signal: signalled ? status & 0x7f : nil) {
            reporter.report(exit: .interrupted)
        } else if let (type, message) = TrainingOutputRecognizer.classifyExit(
            status: code, signal: signalled ? status & 0x7f : nil, lastStderrLines: tail, sawError: reporter.sawError) {
            reporter.report(exit: .error(type: type, message: message))
        } else if code == 0 {
            reporter.report(exit: .success)
        } else {
            reporter.report(exit: .errorAlreadyReported)
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

/// Turns what `run` saw into reports for trainbelld, queued on a ``ReportSender``: never waits on
/// the daemon, and never lets a missing daemon break the training.
final class RunReporter {
    enum Exit {
        case success
        case interrupted
        case error(type: String, message: String)
        case failure(message: String)
        /// A failure whose error the output showed (and that was reported).
        case errorAlreadyReported
    }

    /// The least time between two progress reports.
    static let progressInterval: Int64 = 250
    /// The least time between two metrics reports (milliseconds): a training that prints log dicts
    /// faster has them merged in between (each name's latest value, at the latest step), so that
    /// trainbelld, the bus and the sender do not take the training's CPU; a report with a NaN or
    /// infinite value goes at once, as printed, after what was held.
    static let metricsInterval: Int64 = 100

    let title: String
    let appID: String?
    private let sender: any RunReportSink
    private var started = false
    private(set) var sawError = false
    private var pendingProgress: (current: UInt64, total: UInt64?)?
    private var lastQueued: (current: UInt64, total: UInt64?)?
    private var lastQueuedAt: Int64 = 0
    private var warned: Set<String> = []
    private var metrics = MetricsThrottle(interval: RunReporter.metricsInterval * 1000, messagesPerDoubling: .max)

    /// What the command reports itself (nil: nothing).
    private let link: InstrumentationLink?

    init(title: String, appID: String?, link: InstrumentationLink? = nil, sender: any RunReportSink) {
        self.title = title
        self.appID = appID
        self.link = link
        self.sender = sender
    }

    /// Starts the sender (its connection, and trainbelld's activation) before the command starts.
    func connectEarly() { sender.start() }

    /// Starts the job at its first report: with the bar's total, or 0 (not known yet; a later
    /// progress report sets it).
    private func ensureStarted(total: UInt64) {
        if link?.startedInside == true { started = true }
        guard !started else { return }
        started = true
        sender.push(.start(title: title, total: total, appID: appID))
    }

    func observe(_ observation: TrainingObservation) {
        switch observation {
        case .progress where link?.coversProgress == true, .metrics where link?.coversProgress == true,
             .error where link?.coversErrors == true:
            // Reported exactly from the inside (steps, metrics, typed exceptions): the text is not read twice.
            break
        case .progress(let current, let total):
            ensureStarted(total: total ?? 0)
            pendingProgress = (current, total)
        case .metrics(let values):
            // At the step the bar showed last (a log dict names an epoch, not a step); names that
            // would be refused are left out, never an error of the run.
            guard let report = MetricReport.keeping(step: pendingProgress?.current ?? lastQueued?.current ?? 0, values) else { return }
            ensureStarted(total: 0)
            // The dict as printed, unless some of its names were left out.
            let named = report.values.count == values.count
                ? values : Dictionary(report.values.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
            let now = MonotonicClock.milliseconds * 1000
            if named.values.contains(where: { !$0.isFinite }) {
                // The signal of a diverged loss goes at once, as printed, after what was held.
                push(metrics: metrics.flush(now: now))
                sender.push(.metrics(report))
            } else {
                push(metrics: metrics.report(step: report.step, values: named, now: now))
            }
        case .error(let type, let message, let details):
            flushProgress(force: true)
            ensureStarted(total: 0)
            sawError = true
            let text = details.isEmpty || details == message ? message : message + "\n\n" + details
            sender.push(.error(message: text, type: type))
        case .warning(let message):
            guard warned.count < 1_024, warned.insert(message).inserted else { return }
            ensureStarted(total: 0)
            sender.push(.warning(message: message))
        }
    }

    private func push(metrics merged: (step: UInt64, values: [String: Double])?) {
        guard let merged, let report = MetricReport.keeping(step: merged.step, merged.values) else { return }
        sender.push(.metrics(report))
    }

    /// Queues the newest progress, at most ~4 times a second, and the metrics held, at most 10 times
    /// (`force`: now).
    func flushProgress(force: Bool = false) {
        let now = MonotonicClock.milliseconds
        push(metrics: force ? metrics.flush(now: now * 1000) : metrics.due(now: now * 1000))
        guard let pending = pendingProgress else { return }
        if link?.coversProgress == true {
            // Read before the command said it reports its steps itself: its steps count, not the bar's.
            pendingProgress = nil
            return
        }
        guard lastQueued.map({ $0.current != pending.current || $0.total != pending.total }) ?? true else {
            pendingProgress = nil
            return
        }
        guard force || now - lastQueuedAt >= Self.progressInterval else { return }
        sender.push(.progress(current: pending.current, total: pending.total ?? 0))
        lastQueued = pending
        lastQueuedAt = now
        pendingProgress = nil
    }

    /// Queues the end of the job, then waits (boundedly) for the reports to go out.
    func report(exit: Exit) {
        flushProgress(force: true)
        if link?.endedInside == true {
            // The command completed, failed or cancelled its job itself.
            sender.finish()
            return
        }
        switch exit {
        case .success:
            if !sawError {
                ensureStarted(total: 1)
                sender.push(.complete(message: ""))
            }
        case .error(let type, let message):
            if !sawError {
                ensureStarted(total: 0)
                sender.push(.error(message: message, type: type))
            }
        case .failure(let message):
            ensureStarted(total: 0)
            sender.push(.error(message: message, type: "system_crash"))
        case .interrupted:
            // Ctrl-C: the user stopped it; no error notification.
            if started { sender.push(.cancel) }
        case .errorAlreadyReported:
            break
        }
        sender.finish()
    }
}
