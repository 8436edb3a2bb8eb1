import Foundation
import Glibc

/// An HTTP server on a loopback port for the sinks' tests (Python's `http.server`, the test's own
/// process, stopped by its PID): it records each request (method, path, headers, body) as a JSON
/// line and answers from a plan, one entry a request, the last one repeated: `200`, `500`,
/// `429 retry-after=2`, `hang 10` (answers 200 after 10 s). `stop` and `start` keep the port, so
/// "the server is down" is a stopped recorder.
public final class HTTPRecorder: @unchecked Sendable {
    // @unchecked Sendable: used from the test's thread only.
    public let directory: TemporaryDirectory
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }
    private var process: ChildProcess?
    private var logPath: String { directory.path + "/requests.jsonl" }

    static let script = #"""
        import http.server, json, sys, time, threading
        log, plan_path, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
        lock = threading.Lock()
        def next_answer():
            with lock:
                plan = open(plan_path).read().split("\n")
                plan = [p for p in plan if p.strip()]
                answer = plan[0] if plan else "200"
                if len(plan) > 1:
                    open(plan_path, "w").write("\n".join(plan[1:]) + "\n")
                return answer.split()
        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8", "replace")
                answer = next_answer()
                with lock, open(log, "a") as f:
                    f.write(json.dumps({"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                                        "body": body, "answer": " ".join(answer), "time": time.time()}) + "\n")
                status = 200
                extra = {}
                if answer[0] == "hang":
                    time.sleep(float(answer[1]))
                else:
                    status = int(answer[0])
                    for word in answer[1:]:
                        k, v = word.split("=", 1)
                        extra["Retry-After" if k == "retry-after" else k] = v
                payload = b'{"id":"abc123"}' if status < 300 else b'{"error":"no"}'
                self.send_response(status)
                for k, v in extra.items(): self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                try: self.wfile.write(payload)
                except Exception: pass
            do_PUT = do_POST
            def log_message(self, *a): pass
        class S(http.server.ThreadingHTTPServer):
            allow_reuse_address = True
            daemon_threads = True
        S(("127.0.0.1", port), H).serve_forever()
        """#

    public init(plan: [String] = ["200"]) throws {
        directory = try TemporaryDirectory("tb-http")
        port = try MosquittoBroker.freePort()
        try setPlan(plan)
        try start()
    }

    /// The answers from the next request on.
    public func setPlan(_ plan: [String]) throws {
        try (plan.joined(separator: "\n") + "\n").write(toFile: directory.path + "/plan", atomically: true, encoding: .utf8)
    }

    /// Starts the server (again, on the same port) and waits until it accepts connections.
    public func start() throws {
        process = try ChildProcess("/usr/bin/env", ["python3", "-c", Self.script, logPath, directory.path + "/plan", String(port)],
                                   stderr: directory.path + "/server.stderr")
        for _ in 0..<200 {
            if MosquittoBroker.accepts(port: port) { return }
            usleep(25_000)
        }
        let stderr = (try? String(contentsOfFile: directory.path + "/server.stderr", encoding: .utf8)) ?? ""
        throw MosquittoBroker.Missing(description: "the HTTP recorder did not start on port \(port): \(stderr)")
    }

    public func stop() {
        process?.terminate(grace: 1)
        process = nil
    }

    deinit { stop() }

    /// The requests so far, oldest first.
    public var requests: [[String: Any]] { JSONLines.read(logPath) }

    /// Waits until `count` requests arrived (the daemon is another process: the file is polled).
    @discardableResult
    public func waitForRequests(_ count: Int, timeout: Double = 20) -> [[String: Any]] {
        JSONLines.wait(logPath, count: count, timeout: timeout)
    }
}

/// A real SMTP server on a loopback port (`aiosmtpd`, from the tools' virtual environment), with
/// AUTH PLAIN/LOGIN for one user over the plain connection: it writes each message it takes (the
/// envelope, the login used and the data) as a JSON line.
public final class SMTPRecorder: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let port: Int
    public let user = "alice"
    public let password = "mail-pw-\(getpid())"
    public var passwordFile: String { directory.path + "/password" }
    private var process: ChildProcess?
    private var logPath: String { directory.path + "/mail.jsonl" }

    static let script = #"""
        import asyncio, json, sys, time
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword
        log, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok)
        class Handler:
            async def handle_DATA(self, server, session, envelope):
                with open(log, "a") as f:
                    f.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                                        "login": (session.authenticated and user) or None,
                                        "data": envelope.content.decode("utf-8", "replace"), "time": time.time()}) + "\n")
                return "250 OK queued as tb1"
        c = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticator,
                       auth_required=True, auth_require_tls=False)
        c.start()
        try:
            asyncio.get_event_loop().run_forever()
        except KeyboardInterrupt:
            pass
        """#

    public init() throws {
        guard let python = Self.toolsPython else {
            throw MosquittoBroker.Missing(description: "aiosmtpd is missing from the tools' virtual environment: make deps-test installs it")
        }
        directory = try TemporaryDirectory("tb-smtp")
        port = try MosquittoBroker.freePort()
        try (password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        chmod(passwordFile, 0o600)
        process = try ChildProcess(python, ["-c", Self.script, logPath, String(port), user, password],
                                   stderr: directory.path + "/server.stderr")
        for _ in 0..<200 {
            if MosquittoBroker.accepts(port: port) { return }
            usleep(25_000)
        }
        let stderr = (try? String(contentsOfFile: directory.path + "/server.stderr", encoding: .utf8)) ?? ""
        throw MosquittoBroker.Missing(description: "aiosmtpd did not start on port \(port): \(stderr)")
    }

    deinit { process?.terminate(grace: 1) }

    /// The python3 of the tools' virtual environment (on PATH first in `make test`) when it has aiosmtpd.
    static var toolsPython: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") {
            let python = String(directory) + "/python3"
            guard access(python, X_OK) == 0 else { continue }
            let check = try? runCommand(python, ["-c", "import aiosmtpd"])
            if check?.status == 0 { return python }
        }
        return nil
    }

    /// The messages taken so far, oldest first.
    public var messages: [[String: Any]] { JSONLines.read(logPath) }

    /// Waits until `count` messages were taken.
    @discardableResult
    public func waitForMessages(_ count: Int, timeout: Double = 20) -> [[String: Any]] {
        JSONLines.wait(logPath, count: count, timeout: timeout)
    }
}

/// The recorders' logs: a JSON object a line, written by another process.
enum JSONLines {
    static func read(_ path: String) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Polls `path` until it has `count` lines or `timeout` seconds pass.
    static func wait(_ path: String, count: Int, timeout: Double) -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(timeout)
        var seen = read(path)
        while seen.count < count, Date() < deadline {
            usleep(20_000)
            seen = read(path)
        }
        return seen
    }
}
