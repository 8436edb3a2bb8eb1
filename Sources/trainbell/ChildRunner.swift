import DBus
import Glibc

/// Runs a command with its output passed through unchanged, and every chunk of it handed to an
/// observer: through a pseudo-terminal when our own output is a terminal (so progress bars still draw
/// and colours stay on), else through pipes (stdout and stderr kept apart).
final class ChildRunner {
    enum Stream { case output, error }

    let arguments: [String]
    /// Set in the command's environment, over ours.
    let environment: [String: String]
    private(set) var pid: pid_t = 0
    private var fds: [(fd: Int32, stream: Stream)] = []

    init(arguments: [String], environment: [String: String] = [:]) {
        self.arguments = arguments
        self.environment = environment
    }

    /// Starts the command; throws a message naming it when it cannot start.
    func start() throws {
        let usePTY = isatty(1) == 1
        // stderr shares the pseudo-terminal only when ours is a terminal too (2>file keeps working).
        let stderrOnPTY = usePTY && isatty(2) == 1
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var closeInParent: [Int32] = []
        if usePTY {
            // posix_openpt/grantpt/unlockpt/ptsname as Linux does them (devpts), without _XOPEN_SOURCE.
            let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
            var unlock: Int32 = 0
            var number: UInt32 = 0
            guard master >= 0, ioctl(master, ChildRunner.setPTYLock, &unlock) == 0,
                  ioctl(master, ChildRunner.getPTYNumber, &number) == 0 else {
                throw Failure(message: "cannot open a pseudo-terminal: \(String(cString: strerror(errno)))", code: 1)
            }
            let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY | O_CLOEXEC)
            guard slave >= 0 else { throw Failure(message: "cannot open the pseudo-terminal", code: 1) }
            var size = winsize()
            if ioctl(1, UInt(TIOCGWINSZ), &size) == 0 { _ = ioctl(slave, UInt(TIOCSWINSZ), &size) }
            posix_spawn_file_actions_adddup2(&actions, slave, 1)
            closeInParent = [slave]
            fds = [(master, .output)]
            if stderrOnPTY {
                posix_spawn_file_actions_adddup2(&actions, slave, 2)
            } else {
                var err: [Int32] = [0, 0]
                guard pipe(&err) == 0 else {
                    throw Failure(message: "cannot create a pipe: \(String(cString: strerror(errno)))", code: 1)
                }
                for fd in err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                Self.enlarge(pipe: err[0])
                posix_spawn_file_actions_adddup2(&actions, err[1], 2)
                closeInParent.append(err[1])
                fds.append((err[0], .error))
            }
        } else {
            var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
            guard pipe(&out) == 0, pipe(&err) == 0 else {
                throw Failure(message: "cannot create pipes: \(String(cString: strerror(errno)))", code: 1)
            }
            for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            Self.enlarge(pipe: out[0])
            Self.enlarge(pipe: err[0])
            posix_spawn_file_actions_adddup2(&actions, out[1], 1)
            posix_spawn_file_actions_adddup2(&actions, err[1], 2)
            closeInParent = [out[1], err[1]]
            fds = [(out[0], .output), (err[0], .error)]
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // Through pipes, Python would buffer stdout until exit: ask it not to.
        var environment = ProcessEnvironment.current.merging(self.environment) { $1 }
        if !usePTY && environment["PYTHONUNBUFFERED"] == nil { environment["PYTHONUNBUFFERED"] = "1" }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        let rc = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        closeInParent.forEach { close($0) }
        guard rc == 0 else {
            fds.forEach { close($0.fd) }
            let reason = rc == ENOENT ? "command not found" : String(cString: strerror(rc))
            throw Failure(message: "cannot run '\(arguments[0])': \(reason)", code: rc == ENOENT ? 127 : 126)
        }
    }

    /// Copies the command's output to ours until every process that holds it has closed it, calling
    /// `observe` for every chunk and `tick` at least every `tickMilliseconds`; returns the raw wait
    /// status of the command.
    ///
    /// The command may end while something it started keeps its output open (workers left behind by
    /// torchrun, a background tensorboard): their output still passes for `grace` seconds after the
    /// command's exit, then trainbell stops reading (what they write later fails with EPIPE / EIO).
    func pump(grace: Double, tickMilliseconds: Int32, observe: (Stream, ArraySlice<UInt8>) -> Void, tick: () -> Void) -> Int32 {
        var buffer = [UInt8](repeating: 0, count: Self.readSize)
        var open = fds
        var status: Int32 = 0
        var exited = false
        var stopAt: Int64 = 0
        var polls: [pollfd] = []
        while !open.isEmpty {
            var timeout = tickMilliseconds
            if exited { timeout = Int32(clamping: max(0, min(Int64(tickMilliseconds), stopAt - MonotonicClock.milliseconds))) }
            polls = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let n = poll(&polls, nfds_t(polls.count), timeout)
            if n < 0 && errno != EINTR { break }
            if !exited, waitpid(pid, &status, WNOHANG) == pid {
                exited = true
                stopAt = MonotonicClock.milliseconds + Int64((grace * 1000).rounded())
            }
            tick()
            if n <= 0 {
                if exited && MonotonicClock.milliseconds >= stopAt { break }
                continue
            }
            var stillOpen: [(fd: Int32, stream: Stream)] = []
            for (i, entry) in open.enumerated() {
                let events = polls[i].revents
                if events == 0 { stillOpen.append(entry); continue }
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    let chunk = buffer[0..<count]
                    Self.writeAll(entry.stream == .error ? 2 : 1, chunk)
                    observe(entry.stream, chunk)
                    stillOpen.append(entry)
                } else if count < 0 && (errno == EINTR || errno == EAGAIN) {
                    stillOpen.append(entry)
                } else {
                    close(entry.fd)   // EOF, or EIO from a pseudo-terminal whose last writer left
                }
            }
            open = stillOpen
            // Output keeps coming after the grace: what is already read has passed; stop here.
            if exited && MonotonicClock.milliseconds >= stopAt { break }
        }
        open.forEach { close($0.fd) }
        if !exited { while waitpid(pid, &status, 0) < 0 && errno == EINTR {} }
        return status
    }

    /// The most bytes read at once (the pipes are made this large too, where the system allows).
    static let readSize = 1 << 20

    /// `F_SETPIPE_SZ` of <linux/fcntl.h>, which Glibc's module does not export.
    static let setPipeSize: Int32 = 1031

    /// Makes a pipe hold `readSize` bytes (up to `/proc/sys/fs/pipe-max-size`), so a command that
    /// prints fast is switched away from less often; the default (64 KiB) stays when refused.
    static func enlarge(pipe fd: Int32) {
        _ = fcntl(fd, setPipeSize, Int32(readSize))
    }

    /// Forwards a signal to the command.
    func signal(_ signal: Int32) { if pid > 0 { kill(pid, signal) } }

    /// `TIOCSPTLCK` and `TIOCGPTN` of <asm-generic/ioctls.h> (_IOW/_IOR('T', 0x31/0x30, int)), which
    /// Glibc's module does not export.
    static let setPTYLock: UInt = 0x4004_5431
    static let getPTYNumber: UInt = 0x8004_5430

    static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) {
        var rest = bytes
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue } else { return } }
            rest = rest.dropFirst(n)
        }
    }
}

/// This process's environment as a dictionary.
enum ProcessEnvironment {
    static var current: [String: String] {
        var result: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { result[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return result
    }
}
