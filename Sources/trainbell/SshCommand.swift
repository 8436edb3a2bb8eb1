import ArgumentParser
import DBus
import Glibc
import TrainBellAPI
import TrainBellCore

/// `trainbell ssh [ssh options] HOST [COMMAND…]`: the user's `ssh`, with this desktop's trainbell
/// socket forwarded to HOST, so that trainings there notify here.
struct SshCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh",
        abstract: "Log in to a host (or run a command there) with this desktop's trainbell forwarded to it.",
        discussion: """
            Runs your ssh with trainbelld's own socket ($XDG_RUNTIME_DIR/trainbell/bus) forwarded to HOST \
            (-R), so that trainbell and the Python package there notify this desktop. The socket serves \
            trainbell and nothing else of your session: forwarding it gives HOST no access to your session \
            bus. On HOST the socket is $XDG_RUNTIME_DIR/trainbell/desktop when the session there has a \
            runtime directory, else ~/.cache/trainbell/desktop; clients there find it by themselves \
            (TRAINBELL_ADDRESS, when set, is used first).

            trainbell first asks HOST where that directory is (and creates it), through a shared ssh \
            connection (ControlMaster), so you authenticate once. Every ssh option works as with ssh; \
            trainbell's own come first, and yours keep their effect on everything else.

            To forward with plain ssh, VS Code Remote or anything that reads ~/.ssh/config, add to the \
            host's entry (run 'mkdir -p -m 700 ~/.cache/trainbell' on the host once):
              RemoteForward /home/YOU/.cache/trainbell/desktop /run/user/UID/trainbell/bus
              StreamLocalBindUnlink yes

            Examples:
              trainbell ssh gpu-07
              trainbell ssh -p 2222 alice@gpu-07 trainbell run -- python train.py
            """)

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp(
        "ssh's options, the host, and the command to run there (default: a login shell).", valueName: "ssh arguments"))
    var arguments: [String] = []

    /// How long the shared connection outlives the session (for a second `trainbell ssh` soon after).
    static let controlPersist = 30

    func run() throws {
        try reporting { try forward() }
    }

    private func forward() throws {
        // Every word is ssh's, but for a help request in first place (ssh has no --help).
        if let first = arguments.first, first == "--help" || first == "-h" || first == "help" {
            throw CleanExit.helpRequest(SshCommand.self)
        }
        let line: SSHCommandLine
        do {
            line = try SSHCommandLine(arguments)
        } catch {
            throw Failure(message: "\(error.description)\nUsage: trainbell ssh [ssh options] HOST [COMMAND…] (see trainbell ssh --help)",
                          code: ExitCode.validationFailure.rawValue)
        }
        let runtime = getenv("XDG_RUNTIME_DIR").map { String(cString: $0) } ?? ""
        guard runtime.hasPrefix("/") else {
            throw Failure(message: "XDG_RUNTIME_DIR is not set: trainbelld keeps its socket there, and trainbell ssh forwards that socket",
                          code: Service.unavailable)
        }
        let local = runtime + "/trainbell/bus"
        try Self.waitForSocket(local)
        let shared = ["-o", "ControlMaster=auto", "-o", "ControlPath=\(runtime)/trainbell/ssh-%C",
                      "-o", "ControlPersist=\(Self.controlPersist)"]
        let remoteDirectory = try Self.prepareRemote(shared + line.options + ["--", line.destination])
        let forward = ["-o", "StreamLocalBindUnlink=yes", "-o", "ExitOnForwardFailure=yes",
                       "-R", "\(remoteDirectory)/\(TrainBellAddress.forwardedName):\(local)"]
        let argv = ["ssh"] + shared + forward + line.options + ["--", line.destination] + line.command
        let c = argv.map { strdup($0) } + [nil]
        execvp("ssh", c)
        throw Failure(message: "cannot run ssh: \(String(cString: strerror(errno)))", code: errno == ENOENT ? 127 : 126)
    }

    /// Waits (at most 5 s) for trainbelld's socket, asking the session bus to start trainbelld when
    /// it does not answer.
    static func waitForSocket(_ path: String) throws {
        guard !UnixSocket.answers(path) else { return }
        // A ping starts trainbelld by D-Bus activation; it opens its socket once it has its name.
        if let service = try? Service.connect() {
            _ = try? service.connection.call(destination: Service.name, path: Service.path,
                                             interface: "org.freedesktop.DBus.Peer", member: "Ping", timeout: 5)
        }
        let deadline = MonotonicClock.seconds + 5
        while MonotonicClock.seconds < deadline {
            if UnixSocket.answers(path) { return }
            usleep(50_000)
        }
        throw Failure(message: "trainbelld's socket \(path) does not answer: start trainbelld ('systemctl --user start trainbelld' or 'trainbelld &') and try again",
                      code: Service.unavailable)
    }

    /// The marker before the remote directory in what HOST prints (login scripts may print more).
    static let marker = "trainbell-socket-directory="

    /// The shell script run on HOST (by `sh`, whatever the login shell): the directory for the
    /// forwarded socket, created 0700.
    static let remoteScript = """
        d=""; if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR" ] && [ -w "$XDG_RUNTIME_DIR" ]; then \
        d="$XDG_RUNTIME_DIR/trainbell"; else d="$HOME/.cache/trainbell"; fi; \
        mkdir -p "$d" && chmod 700 "$d" && printf '\(marker)%s\\n' "$d"
        """

    /// Runs the script on HOST through ssh (which opens the shared connection), and returns the directory.
    static func prepareRemote(_ sshArguments: [String]) throws -> String {
        let argv = ["ssh"] + sshArguments + ["sh -c " + SSHCommandLine.shellQuoted(remoteScript)]
        var out: [Int32] = [0, 0]
        guard pipe(&out) == 0 else { throw Failure(message: "cannot create a pipe: \(String(cString: strerror(errno)))", code: 1) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_addclose(&actions, out[0])
        let c = argv.map { strdup($0) } + [nil]
        defer { c.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, "ssh", &actions, nil, c, environ)
        close(out[1])
        guard rc == 0 else {
            close(out[0])
            throw Failure(message: "cannot run ssh: \(String(cString: strerror(rc)))", code: rc == ENOENT ? 127 : 126)
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(out[0], &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            if bytes.count < 65_536 { bytes += buffer[0..<n] }
        }
        close(out[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status >> 8) & 0xff
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix(marker) }) else {
            throw Failure(message: "ssh could not prepare the host (ssh exited with \(code)): the socket's directory was not created there",
                          code: code == 0 ? 1 : code)
        }
        let directory = String(line.dropFirst(marker.count))
        guard directory.hasPrefix("/") else {
            throw Failure(message: "the host named no usable directory for the socket (got '\(directory)'): is HOME set there?", code: 1)
        }
        return directory
    }
}
