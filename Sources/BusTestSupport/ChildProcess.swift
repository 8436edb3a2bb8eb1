import Foundation
import Glibc

/// A child process started with `posix_spawn`, with a clean signal mask and default dispositions.
///
/// Foundation's `Process` passes on the signal mask of the thread that starts it; test threads block
/// most signals, so a `dbus-daemon` or `trainbelld` started that way would never see SIGTERM or SIGHUP.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private var exitStatus: Int32?

    /// Starts `executable` with `arguments`; standard streams go to the files named (or /dev/null).
    /// `stdoutDescriptor` (the write end of a pipe the test reads) replaces `stdout`.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                stdin: String? = nil, stdout: String? = nil, stderr: String? = nil, stdoutDescriptor: Int32? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
        if let stdoutDescriptor {
            posix_spawn_file_actions_adddup2(&actions, stdoutDescriptor, 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
        posix_spawn_file_actions_addopen(&actions, 2, stderr ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let env = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO, userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable)"])
        }
        pid = child
    }

    /// The environment of this process with `changes` applied (nil values remove a variable).
    public static func environment(_ changes: [String: String?]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in changes { env[k] = v }
        return env
    }

    public func signal(_ signal: Int32) { if exitStatus == nil { kill(pid, signal) } }

    /// Whether it still runs (reaps it when it ended).
    public var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { exitStatus = status; return false }
        return r == 0
    }

    /// Waits for the end; returns the exit code, or 128 + the signal number.
    @discardableResult
    public func wait() -> Int32 {
        if exitStatus == nil {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            exitStatus = status
        }
        return Self.code(exitStatus ?? 0)
    }

    /// Waits at most `seconds`; nil when it still runs.
    public func wait(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning {
            if Date() >= deadline { return nil }
            usleep(2_000)
        }
        return Self.code(exitStatus ?? 0)
    }

    /// SIGTERM, then SIGKILL when it has not ended after `grace` seconds.
    public func terminate(grace: Double = 3) {
        guard isRunning else { return }
        signal(SIGTERM)
        if wait(seconds: grace) == nil {
            signal(SIGKILL)
            wait()
        }
    }

    static func code(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        if signal == 0 { return (status >> 8) & 0xff }
        return 128 + signal
    }

    deinit { terminate(grace: 1) }
}
