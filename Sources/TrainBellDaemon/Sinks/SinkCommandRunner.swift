import DBus
import Glibc

/// Runs a `type=command` sink's argument vector for one event, without a shell and without
/// blocking the loop: the event's JSON on its standard input, `TRAINBELL_*` variables added to the
/// daemon's environment, its output (the first 4 KiB) kept as its answer, killed after the sink's
/// timeout. `done` gets the exit status (nil: it could not start or was killed) and the output.
final class SinkCommandRunner {
    private final class Run {
        let pid: pid_t
        var input: [UInt8]
        var written = 0
        var inputFD: Int32
        let outputFD: Int32
        var output: [UInt8] = []
        var sources: [EventSource] = []
        var killed = false
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
            kill(run.pid, SIGKILL)
            var status: Int32 = 0
            waitpid(run.pid, &status, 0)
            for source in run.sources { source.cancel() }
            close(run.outputFD)
            if run.inputFD >= 0 { close(run.inputFD) }
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
        environment += extra.map { "\($0.0)=\($0.1.filter { $0 != "\0" })" }
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
        run.sources.append(loop.watch(fd: run.outputFD, for: .readable) { [weak self, unowned run] _ in self?.read(run) })
        writeInput(run)
        if run.inputFD >= 0 {
            run.sources.append(loop.watch(fd: run.inputFD, for: .writable) { [weak self, unowned run] _ in self?.writeInput(run) })
        }
        run.sources.append(loop.addTimeout(seconds: UInt32(max(1, timeout))) { [weak self, unowned run] in
            run.killed = true
            kill(-run.pid, SIGKILL)
            kill(run.pid, SIGKILL)
            self?.finish(run)
            return false
        })
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
        close(run.inputFD)
        run.inputFD = -1
    }

    private func read(_ run: Run) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(run.outputFD, $0.baseAddress, $0.count) }
            if n > 0 {
                if run.output.count < 4096 { run.output += buffer[0..<min(n, 4096 - run.output.count)] }
                continue
            }
            if n < 0 && errno == EAGAIN { return }
            break
        }
        finish(run)  // end of output: the command (and whatever kept it) is done with it
    }

    private func finish(_ run: Run) {
        guard runs.removeValue(forKey: run.pid) != nil else { return }
        for source in run.sources { source.cancel() }
        run.sources = []
        close(run.outputFD)
        if run.inputFD >= 0 { close(run.inputFD) }
        var status: Int32 = 0
        // Its output is closed: it has ended or is about to; a command that lingers is killed.
        var waited = waitpid(run.pid, &status, WNOHANG)
        if waited == 0 {
            for _ in 0..<50 where waited == 0 {
                usleep(2_000)
                waited = waitpid(run.pid, &status, WNOHANG)
            }
            if waited == 0 {
                kill(run.pid, SIGKILL)
                waited = waitpid(run.pid, &status, 0)
                run.killed = true
            }
        }
        let text = String(decoding: run.output, as: UTF8.self)
        let exited = waited == run.pid && status & 0x7f == 0
        run.done(run.killed || !exited ? nil : (status >> 8) & 0xff, run.killed ? "killed after its timeout. " + text : text)
    }
}
