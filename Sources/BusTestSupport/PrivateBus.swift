import DBus
import DBusGLib
import Foundation

/// A tool the tests need is missing: the message names the Debian package that brings it.
public struct MissingTool: Error, CustomStringConvertible {
    public let tool: String
    public let package: String
    public init(tool: String, package: String) {
        self.tool = tool
        self.package = package
    }

    public var description: String {
        "\(tool) is not installed: install the Debian package '\(package)' (apt-get install \(package)), or run 'make test', which installs it"
    }
}

/// Finds `tool` on PATH or throws `MissingTool` naming its Debian package. Tests never skip silently.
public func requireTool(_ tool: String, package: String) throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let candidate = "\(dir)/\(tool)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw MissingTool(tool: tool, package: package)
}

/// A scratch directory removed when the value is dropped.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(_ prefix: String = "trainbell-test") throws {
        let template = NSTemporaryDirectory() + "/\(prefix).XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A private `dbus-daemon` made for one test and stopped with it. It never touches the session of the
/// person running the tests: its socket lives in a scratch directory, and it activates only services
/// from `serviceDirectories`. A `.system` one stands for the machine's system bus, for a peer that
/// needs one (GNOME Shell): the test hands its address over in `DBUS_SYSTEM_BUS_ADDRESS`.
public final class PrivateBus: @unchecked Sendable {
    /// The `<type>` of the bus: what it stands for.
    public enum Kind: String, Sendable {
        case session, system
    }

    public let address: String
    public let directory: TemporaryDirectory
    private let process: ChildProcess

    ///
    /// With `user`, the bus runs as that user (as a desktop's session bus runs as its user) and, besides
    /// that user, accepts connections from the test's own (EXTERNAL authentication accepts only the
    /// bus's own uid unless the policy allows others). `environment` is then all of its environment
    /// (with the bus address), not added to the test's.
    public init(serviceDirectories: [String] = [], environment: [String: String] = [:], kind: Kind = .session,
                user: UnprivilegedUser? = nil) throws {
        let daemon = try requireTool("dbus-daemon", package: "dbus-daemon")
        directory = try user?.temporaryDirectory("trainbell-bus") ?? TemporaryDirectory("trainbell-bus")
        let socket = directory.path + "/bus"
        address = "unix:path=" + socket
        let services = serviceDirectories.map { "  <servicedir>\($0)</servicedir>\n" }.joined()
        let testUser = user?.isOtherUser == true ? "    <allow user=\"\(getuid())\"/>\n" : ""
        let config = """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>\(kind.rawValue)</type>
              <listen>\(address)</listen>
              <auth>EXTERNAL</auth>
            \(services)  <policy context="default">
            \(testUser)    <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow own="*"/>
              </policy>
            </busconfig>
            """
        let configPath = directory.path + "/bus.conf"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        var env = user == nil ? ProcessInfo.processInfo.environment : [:]
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        for (k, v) in environment { env[k] = v }
        // Its log (such as "Failed to set fd limit" as root) goes to a file beside the socket.
        let arguments = ["--config-file=\(configPath)", "--nofork", "--nopidfile"]
        if let user {
            try user.give(configPath)
            process = try user.spawn(daemon, arguments, environment: env, stderr: directory.path + "/bus.log")
        } else {
            process = try ChildProcess(daemon, arguments, environment: env, stderr: directory.path + "/bus.log")
        }
        // The socket file appears when the daemon binds it, a moment before it listens: ready means a
        // connection (with its Hello) goes through.
        let deadline = Date().addingTimeInterval(10)
        while true {
            if FileManager.default.fileExists(atPath: socket), let probe = try? Connection(address: address) {
                probe.close()
                break
            }
            guard Date() < deadline, process.isRunning else {
                throw BusError(.failed, "dbus-daemon did not start listening on \(socket); its log:\n\((try? String(contentsOfFile: directory.path + "/bus.log", encoding: .utf8)) ?? "")")
            }
            usleep(5_000)
        }
    }

    /// A new connection to this bus.
    public func connect() throws -> Connection { try Connection(address: address) }

    public func stop() {
        process.terminate()
    }

    /// Sends `signal` to the bus daemon (SIGSTOP and SIGCONT: a bus that reads nothing for a while).
    public func signal(_ signal: Int32) { process.signal(signal) }

    /// SIGKILL: the bus vanishes at once, as when it crashes; every connection to it is lost.
    public func kill() {
        process.signal(SIGKILL)
        process.wait()
    }

    deinit { stop() }
}

/// A `MainLoop` running on a thread of its own, for a service under test while the test thread makes
/// blocking calls.
public final class LoopThread: @unchecked Sendable {
    public let loop = MainLoop()
    private let done = DispatchSemaphore(value: 0)
    private var thread: Thread?

    public init() {
        let loop = self.loop
        let done = self.done
        let t = Thread {
            loop.run()
            done.signal()
        }
        t.stackSize = 8 << 20
        thread = t
        t.start()
        // Wait until the loop runs, so `sync` is served.
        while !loop.isRunning { usleep(1_000) }
    }

    /// Runs `body` on the loop's thread and waits for its result.
    public func sync<T>(_ body: @escaping () throws -> T) throws -> T {
        let box = ResultBox<T>()
        let sem = DispatchSemaphore(value: 0)
        let work = Unchecked(body)
        loop.invoke {
            box.result = Result { try work.value() }
            sem.signal()
        }
        sem.wait()
        return try box.result!.get()
    }

    public func stop() {
        guard thread != nil else { return }
        loop.quit()
        done.wait()
        thread = nil
    }

    deinit { stop() }
}

/// Carries a value to the loop thread; the caller waits for it, so there is no concurrent access.
public struct Unchecked<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}

/// Runs a command to its end; returns its exit status, standard output and standard error.
@discardableResult
public func runCommand(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                       input: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    try runCommand(executable, arguments, replacingEnvironment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
                   input: input)
}

/// Runs a command to its end with exactly `environment` (nothing of the test's own).
@discardableResult
public func runCommand(_ executable: String, _ arguments: [String], replacingEnvironment env: [String: String],
                       input: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let scratch = try TemporaryDirectory("trainbell-run")
    var stdinPath: String? = nil
    if let input {
        stdinPath = scratch.path + "/stdin"
        try input.write(toFile: stdinPath!, atomically: true, encoding: .utf8)
    }
    let child = try ChildProcess(executable, arguments, environment: env, stdin: stdinPath,
                                 stdout: scratch.path + "/stdout", stderr: scratch.path + "/stderr")
    let status = child.wait()
    let out = (try? String(contentsOfFile: scratch.path + "/stdout", encoding: .utf8)) ?? ""
    let err = (try? String(contentsOfFile: scratch.path + "/stderr", encoding: .utf8)) ?? ""
    return (status, out, err)
}
