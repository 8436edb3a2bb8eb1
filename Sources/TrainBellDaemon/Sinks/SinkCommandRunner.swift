import CGio
import DBus
import Glibc

/// Runs a `type=command` sink's argument vector for one event, without a shell and without
/// blocking the loop: the event's JSON on its standard input, `TRAINBELL_*` variables added to the
/// daemon's environment, its output (the first 4 KiB) kept as its answer, killed after the sink's
/// timeout. `done` gets the exit status (nil: it could not start or was killed) and the output.
/// Its end is watched, never waited for: a pidfd readable on the loop (a 100 ms check of `waitpid`
/// on a kernel without pidfds); it is done once it has exited, whatever it left running with its
/// output; a command killed at its timeout is reaped when it is gone.
final class SinkCommandRunner {
    /// The most one variable of the environment may hold: the kernel refuses a variable over
    /// 128 KiB (MAX_ARG_STRLEN, E2BIG); the whole text is on standard input.
    static let maximumVariableBytes = 32_768

    private final class Run {
        let pid: pid_t
        var input: [UInt8]
        var written = 0
        var inputFD: Int32
        var outputFD: Int32
        var output: [UInt8] = []
        var inputSource: EventSource?
        var outputSource: EventSource?
        var exitSource: EventSource?
        var timeoutSource: EventSource?
        var pidFD: Int32 = -1
        var killed = false
        var reported = false
        let done: (Int32?, String) -> Void

        init(pid: pid_t, input: [UInt8], inputFD: Int32, outputFD: Int32, done: @escaping (Int32?, String) -> Void) {
            self.pid = pid
            self.input = input
            self.inputFD = inputFD
            self.outputFD = outputFD
            self.done = done
        }
    }

    private let loop: EventLoop
    private var runs: [pid_t: Run] = [:]

    init(loop: EventLoop) {
        self.loop = loop
    }

    deinit {
        for run in runs.values {
            kill(-run.pid, SIGKILL)
            kill(run.pid, SIGKILL)
            release(run)
            var status: Int32 = 0
            waitpid(run.pid, &status, WNOHANG)
        }
    }

    func run(_ arguments: [String], input: String, environment extra: [(String, String)], timeout: Int,
             done: @escaping (Int32?, String) -> Void) {
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1]
        guard Self.pipeClosedOnExec(&inPipe) else { return done(nil, "cannot make a pipe: \(String(cString: strerror(errno)))") }
        guard Self.pipeClosedOnExec(&outPipe) else {
            close(inPipe[0]); close(inPipe[1])
            return done(nil, "cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | Self.spawnSetSID))

        let names = Set(extra.map(\.0))
        var environment: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if !names.contains(String(text.prefix { $0 != "=" })) { environment.append(text) }
            entry += 1
        }
        environment += extra.map { name, value in
            var text = value.filter { $0 != "\0" }
            if text.utf8.count > Self.maximumVariableBytes {
                var cut = text.utf8.prefix(Self.maximumVariableBytes - 3)
                while let last = cut.last, last & 0xC0 == 0x80 { cut = cut.dropLast() }  // not inside a character
                if let last = cut.last, last >= 0xC0 { cut = cut.dropLast() }
                text = String(decoding: cut, as: UTF8.self) + "…"
            }
            return "\(name)=\(text)"
        }
        var argv = arguments.map { strdup($0) } + [nil]
        var envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, &argv, &envp)
        close(inPipe[0])
        close(outPipe[1])
        guard spawned == 0 else {
            close(inPipe[1])
            close(outPipe[0])
            return done(nil, "cannot run \(arguments[0]): \(String(cString: strerror(spawned)))")
        }
        _ = fcntl(inPipe[1], F_SETFL, fcntl(inPipe[1], F_GETFL) | O_NONBLOCK)
        _ = fcntl(outPipe[0], F_SETFL, fcntl(outPipe[0], F_GETFL) | O_NONBLOCK)
        let run = Run(pid: pid, input: Array(input.utf8), inputFD: inPipe[1], outputFD: outPipe[0], done: done)
        runs[pid] = run
        run.outputSource = loop.watch(fd: run.outputFD, for: .readable) { [weak self, unowned run] _ in self?.read(run) }
        writeInput(run)
        if run.inputFD >= 0 {
            run.inputSource = loop.watch(fd: run.inputFD, for: .writable) { [weak self, unowned run] _ in self?.writeInput(run) }
        }
        run.pidFD = tb_pidfd_open(pid)
        if run.pidFD >= 0 {
            _ = fcntl(run.pidFD, F_SETFD, FD_CLOEXEC)
            run.exitSource = loop.watch(fd: run.pidFD, for: .readable) { [weak self, unowned run] _ in self?.reap(run) }
        } else {
            run.exitSource = loop.addTimeout(milliseconds: 100) { [weak self, unowned run] in
                self?.reap(run)
                return true
            }
        }
        run.timeoutSource = loop.addTimeout(seconds: UInt32(max(1, timeout))) { [weak self, unowned run] in
            run.timeoutSource = nil
            run.killed = true
            kill(-run.pid, SIGKILL)
            kill(run.pid, SIGKILL)
            self?.report(run, status: nil)  // reaped once it is gone
            return false
        }
    }

    /// glibc's POSIX_SPAWN_SETSID (not imported): the command gets a session of its own, so a
    /// timeout kills it with what it started.
    private static let spawnSetSID: Int32 = 0x80

    private static func pipeClosedOnExec(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    private func writeInput(_ run: Run) {
        guard run.inputFD >= 0 else { return }
        while run.written < run.input.count {
            let n = run.input.withUnsafeBytes { write(run.inputFD, $0.baseAddress! + run.written, $0.count - run.written) }
            if n > 0 { run.written += n; continue }
            if n < 0 && errno == EAGAIN { return }
            break  // EPIPE: the command does not read its input
        }
        run.inputSource?.cancel()
        run.inputSource = nil
        close(run.inputFD)
        run.inputFD = -1
    }

    /// Reads what is there, at most 64 KiB a turn of the loop (a command printing without end
    /// cannot hold the loop, and its timeout still fires); the first 4 KiB are kept.
    private func read(_ run: Run) {
        guard run.outputFD >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<16 {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(run.outputFD, $0.baseAddress, $0.count) }
            if n > 0 {
                if run.output.count < 4096 { run.output += buffer[0..<min(n, 4096 - run.output.count)] }
                continue
            }
            if n < 0 && (errno == EAGAIN || errno == EINTR) { return }
            // End of output: the command (and what it started) closed it; its exit decides.
            run.outputSource?.cancel()
            run.outputSource = nil
            close(run.outputFD)
            run.outputFD = -1
            return
        }
    }

    /// The command may have ended: reaped, then reported with what it printed.
    private func reap(_ run: Run) {
        var status: Int32 = 0
        let waited = waitpid(run.pid, &status, WNOHANG)
        guard waited == run.pid || (waited < 0 && errno == ECHILD) else { return }
        if !run.reported {
            read(run)  // what it printed before it ended
            let exited = waited == run.pid && status & 0x7f == 0
            report(run, status: exited ? (status >> 8) & 0xff : nil)
        }
        release(run)
        runs.removeValue(forKey: run.pid)
    }

    private func report(_ run: Run, status: Int32?) {
        guard !run.reported else { return }
        run.reported = true
        run.timeoutSource?.cancel()
        run.timeoutSource = nil
        let text = String(decoding: run.output, as: UTF8.self)
        run.done(run.killed ? nil : status, run.killed ? "killed after its timeout. " + text : text)
    }

    /// Closes what is left of a run (its pipes, its pidfd, its watches).
    private func release(_ run: Run) {
        for source in [run.inputSource, run.outputSource, run.exitSource, run.timeoutSource] { source?.cancel() }
        run.inputSource = nil
        run.outputSource = nil
        run.exitSource = nil
        run.timeoutSource = nil
        for fd in [run.inputFD, run.outputFD, run.pidFD] where fd >= 0 { close(fd) }
        run.inputFD = -1
        run.outputFD = -1
        run.pidFD = -1
    }
}
