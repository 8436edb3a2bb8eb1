import Foundation
import Glibc

/// A real OpenSSH server for a test or a benchmark, on a free loopback port: a generated host key, an
/// `authorized_keys` of a generated client key, stream-local forwarding allowed, and a runtime directory
/// of its own for the sessions ("the remote host's" `$XDG_RUNTIME_DIR`). Started as the caller's own
/// process and stopped by its PID.
public final class SSHServer: @unchecked Sendable {
    // @unchecked Sendable: used from the caller's thread only.
    public let directory: TemporaryDirectory
    public let port: Int
    /// The user the sessions run as (the caller's own).
    public let user: String
    /// `$XDG_RUNTIME_DIR` of the sessions.
    public var remoteRuntime: String { directory.path + "/remote-run" }
    public var clientKey: String { directory.path + "/client_key" }
    public var log: String { (try? String(contentsOfFile: directory.path + "/sshd.log", encoding: .utf8)) ?? "" }
    private var process: ChildProcess?

    public init() throws {
        let sshd = "/usr/sbin/sshd"
        for (tool, package) in [(sshd, "openssh-server"), ("/usr/bin/ssh", "openssh-client"), ("/usr/bin/ssh-keygen", "openssh-client")]
        where access(tool, X_OK) != 0 {
            throw MissingTool(tool: tool, package: package)
        }
        directory = try TemporaryDirectory("tb-ssh")
        let dir = directory.path
        mkdir(dir + "/remote-run", 0o700)
        for key in ["host_key", "client_key"] {
            let made = try runCommand("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", dir + "/" + key])
            guard made.status == 0 else { throw HarnessError("ssh-keygen failed: \(made.stderr)") }
        }
        try FileManager.default.copyItem(atPath: dir + "/client_key.pub", toPath: dir + "/authorized_keys")
        port = try MosquittoBroker.freePort()
        user = String(cString: getpwuid(getuid()).pointee.pw_name)
        try """
            ListenAddress 127.0.0.1
            Port \(port)
            HostKey \(dir)/host_key
            AuthorizedKeysFile \(dir)/authorized_keys
            PidFile \(dir)/sshd.pid
            UsePAM no
            StrictModes no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            AllowStreamLocalForwarding yes
            SetEnv XDG_RUNTIME_DIR=\(dir)/remote-run

            """.write(toFile: dir + "/sshd_config", atomically: true, encoding: .utf8)
        // sshd wants its privilege-separation directory.
        try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        process = try ChildProcess(sshd, ["-D", "-e", "-f", dir + "/sshd_config"], stdout: dir + "/sshd.log", stderr: dir + "/sshd.log")
        for _ in 0..<200 {
            if MosquittoBroker.accepts(port: port) { return }
            usleep(50_000)
        }
        stop()
        throw HarnessError("sshd did not listen on \(port): \(log)")
    }

    /// `ssh`'s options for this server: its port and the client key, no known-hosts file, no prompts.
    public var clientOptions: [String] {
        ["-p", String(port), "-i", clientKey, "-F", "/dev/null", "-o", "StrictHostKeyChecking=no",
         "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR"]
    }

    /// `user@127.0.0.1`.
    public var destination: String { "\(user)@127.0.0.1" }

    public func stop() {
        process?.terminate(grace: 2)
        process = nil
    }

    deinit { stop() }
}
