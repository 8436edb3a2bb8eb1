import Foundation
import Synchronization
import Glibc

/// A real Mosquitto broker for a test, on a free loopback port: TLS only (a CA and a server
/// certificate made with `openssl` for 127.0.0.1), a password file with one user, persistence in its
/// own folder (so a restart keeps the sessions), `max_queued_messages` as given. Started as the
/// test's own process and stopped by its PID; `restart` keeps port, files and sessions.
public final class MosquittoBroker: @unchecked Sendable {
    // @unchecked Sendable: used from the test's thread only.
    public let directory: TemporaryDirectory
    public let port: Int
    public let user = "alice"
    public let password = "s3cret-pw"
    public var caFile: String { directory.path + "/ca.crt" }
    public var passwordFile: String { directory.path + "/client-password" }
    public var logPath: String { directory.path + "/mosquitto.log" }
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    private var process: ChildProcess?

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    public init(maxQueuedMessages: Int = 1000) throws {
        for (tool, package) in [("/usr/sbin/mosquitto", "mosquitto"), ("/usr/bin/mosquitto_pub", "mosquitto-clients"),
                                ("/usr/bin/openssl", "openssl")] where access(tool, X_OK) != 0 {
            throw Missing(description: "\(tool) is missing: install the Debian package \(package) (make deps-test does)")
        }
        directory = try TemporaryDirectory("tb-mqtt")
        port = try Self.freePort()
        let d = directory.path
        try "subjectAltName=DNS:127.0.0.1,IP:127.0.0.1,DNS:localhost\n".write(toFile: d + "/san.ext", atomically: true, encoding: .utf8)
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", d + "/ca.key",
             "-out", d + "/ca.crt", "-subj", "/CN=trainbell test CA", "-days", "2"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", d + "/server.key",
             "-out", d + "/server.csr", "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.crt", "-CAkey", d + "/ca.key", "-CAcreateserial",
             "-out", d + "/server.crt", "-days", "2", "-extfile", d + "/san.ext"],
        ]
        for step in steps {
            let result = try runCommand("/usr/bin/openssl", step)
            guard result.status == 0 else { throw Missing(description: "openssl \(step[0]) failed: \(result.stderr)") }
        }
        let passwd = try runCommand("/usr/bin/mosquitto_passwd", ["-b", "-c", d + "/passwords", user, password])
        guard passwd.status == 0 else { throw Missing(description: "mosquitto_passwd failed: \(passwd.stderr)") }
        try (password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        chmod(passwordFile, 0o600)
        chmod(d + "/passwords", 0o600)
        mkdir(d + "/data", 0o700)
        var config = """
            listener \(port) 127.0.0.1
            cafile \(d)/ca.crt
            certfile \(d)/server.crt
            keyfile \(d)/server.key
            allow_anonymous false
            password_file \(d)/passwords
            persistence true
            persistence_location \(d)/data/
            autosave_interval 1
            max_queued_messages \(maxQueuedMessages)
            log_dest file \(d)/mosquitto.log
            log_type all

            """
        if getuid() == 0 { config += "user root\n" }
        try config.write(toFile: d + "/mosquitto.conf", atomically: true, encoding: .utf8)
        try start()
    }

    /// Starts the broker (again) and waits until it accepts connections.
    public func start() throws {
        process = try ChildProcess("/usr/sbin/mosquitto", ["-c", directory.path + "/mosquitto.conf"],
                                   stderr: directory.path + "/mosquitto.stderr")
        // Up to 20 s: TLS set-up under a loaded CI machine is slow.
        for _ in 0..<800 {
            if Self.accepts(port: port) { return }
            usleep(25_000)
        }
        throw Missing(description: "mosquitto did not listen on \(port): \(log)")
    }

    /// Stops it: SIGTERM (it saves its sessions), or SIGKILL (it does not).
    public func stop(kill hard: Bool = false) {
        if hard { process?.signal(SIGKILL); _ = process?.wait(seconds: 5) } else { process?.terminate() }
        process = nil
    }

    public func restart() throws {
        stop()
        try start()
    }

    public var url: String { "mqtts://\(user)@127.0.0.1:\(port)/trainbell/alice" }

    /// The daemon's `[remote]` for this broker.
    public func remoteConfiguration(clientID: String = "trainbelld-test") -> String {
        "[remote]\nbroker=\(url)\npassword-file=\(passwordFile)\nca-file=\(caFile)\nclient-id=\(clientID)\n"
    }

    /// The options of mosquitto_pub and mosquitto_sub for this broker.
    public var clientArguments: [String] {
        ["-h", "127.0.0.1", "-p", String(port), "--cafile", caFile, "-u", user, "-P", password]
    }

    /// Publishes each line of `lines` as one message (mosquitto_pub -l), QoS `qos`.
    public func publish(lines: [String], topic: String, qos: Int = 1, retain: Bool = false) throws {
        let result = try runCommand("/usr/bin/mosquitto_pub", clientArguments + ["-t", topic, "-q", String(qos), "-l"] + (retain ? ["-r"] : []),
                                    input: lines.joined(separator: "\n") + "\n")
        guard result.status == 0 else { throw Missing(description: "mosquitto_pub failed: \(result.stderr)") }
    }

    /// Publishes the file at `path` as one message.
    public func publish(file path: String, topic: String, qos: Int = 1) throws {
        let result = try runCommand("/usr/bin/mosquitto_pub", clientArguments + ["-t", topic, "-q", String(qos), "-f", path])
        guard result.status == 0 else { throw Missing(description: "mosquitto_pub failed: \(result.stderr)") }
    }

    /// A subscriber in the background that writes each message of `topic` (a line, with its topic) to a file.
    public func subscribe(_ topic: String, count: Int, output: String) throws -> ChildProcess {
        try ChildProcess("/usr/bin/mosquitto_sub", clientArguments + ["-t", topic, "-q", "1", "-C", String(count), "-v"],
                         stdout: output, stderr: output + ".err")
    }

    /// Ports handed out in this process: a port is closed again before its server binds it, and the
    /// kernel may give it to the next caller meanwhile (suites run in parallel).
    private static let handedOut = Mutex<Set<Int>>([])

    /// A loopback port nothing listens on, never the same twice in this process.
    public static func freePort() throws -> Int {
        for _ in 0..<50 {
            let port = try anyFreePort()
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw POSIXError(.EADDRNOTAVAIL)
    }

    private static func anyFreePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw POSIXError(.EADDRNOTAVAIL) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    deinit { stop() }
}
