import DBus
import DBusGLib
import Foundation
import Glibc
import TrainBellAPI

/// A real `trainbelld` started from the build folder on a private bus, with its own XDG folders, so
/// tests see exactly what a user would: the process, its name on the bus, its files, its log.
public final class DaemonProcess: @unchecked Sendable {
    public static let busName = TrainBellBus.name
    public static let path = TrainBellBus.path
    public static let interface = TrainBellBus.interface

    public let bus: PrivateBus
    /// `XDG_STATE_HOME` and `XDG_CONFIG_HOME` of the daemon (kept across `restart`).
    public let home: TemporaryDirectory
    public let extraArguments: [String]
    public let environment: [String: String]
    /// Who runs it: nil for the test's own user; else it gets only `environment` besides its XDG folders.
    public let user: UnprivilegedUser?
    public private(set) var process: ChildProcess?

    public var stateDirectory: String { home.path + "/state/trainbell" }
    /// `$XDG_CONFIG_HOME/trainbell/config`: under `home`, unless `environment` names a `XDG_CONFIG_HOME`.
    public var configPath: String { configHome + "/trainbell/config" }
    private var configHome: String { environment["XDG_CONFIG_HOME"] ?? home.path + "/config" }
    public var logPath: String { home.path + "/trainbelld.log" }
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The `trainbelld` built beside the test bundle.
    public static var executable: String {
        get throws {
            let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            var dir = (exe as NSString).deletingLastPathComponent
            // The test bundle is .build/<triple>/debug/X.xctest (a file on Linux).
            if dir.hasSuffix(".xctest") { dir = (dir as NSString).deletingLastPathComponent }
            let candidate = dir + "/trainbelld"
            guard FileManager.default.isExecutableFile(atPath: candidate) else {
                throw MissingTool(tool: candidate, package: "(this project: run 'swift build' first)")
            }
            return candidate
        }
    }

    /// Starts the daemon and waits until it owns its name. `configuration` is written to its config file first.
    /// With `user`, it runs as that user (its folders are handed over to it).
    public init(bus: PrivateBus, configuration: String? = nil, arguments: [String] = [],
                environment: [String: String] = [:], user: UnprivilegedUser? = nil, waitForName: Bool = true) throws {
        self.bus = bus
        home = try TemporaryDirectory("trainbell-daemon")
        extraArguments = arguments
        self.environment = environment
        self.user = user
        try FileManager.default.createDirectory(atPath: home.path + "/config/trainbell", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: configHome + "/trainbell", withIntermediateDirectories: true)
        if let configuration { try configuration.write(toFile: configPath, atomically: true, encoding: .utf8) }
        try user?.give(home.path)
        try user?.give(configHome + "/trainbell")
        try start(waitForName: waitForName)
    }

    /// Starts (again) with the same folders.
    public func start(waitForName: Bool = true) throws {
        var env = user == nil ? ProcessInfo.processInfo.environment : [:]
        env["XDG_STATE_HOME"] = home.path + "/state"
        env["XDG_CONFIG_HOME"] = home.path + "/config"
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.address
        env.removeValue(forKey: "JOURNAL_STREAM")
        // Never the machine's system bus (its logind would tell the presence of whoever runs the
        // tests): none, unless the test hands over its own (`PrivateBus(kind: .system)`).
        env["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=" + home.path + "/no-system-bus"
        for (k, v) in environment { env[k] = v }
        let executable = try Self.executable
        let arguments = ["--address", bus.address, "--log-level", "debug"] + extraArguments
        if let user {
            process = try user.spawn(try user.runnable(executable), arguments, environment: env, stdout: logPath, stderr: logPath)
        } else {
            process = try ChildProcess(executable, arguments, environment: env, stdout: logPath, stderr: logPath)
        }
        if waitForName { try waitUntilOwned() }
    }

    public func waitUntilOwned(timeout: Double = 15) throws {
        let probe = try bus.connect()
        let deadline = Date().addingTimeInterval(timeout)
        while probe.nameOwner(Self.busName) == nil || probe.processID(of: Self.busName.rawValue) != UInt32(process?.pid ?? 0) {
            guard let process, process.isRunning, Date() < deadline else {
                throw BusError(.failed, "trainbelld did not take its name; its log:\n\(log)")
            }
            usleep(10_000)
        }
    }

    /// SIGKILL: no chance to save anything, as after a crash.
    public func kill() {
        process?.signal(SIGKILL)
        _ = process?.wait()
    }

    /// SIGTERM and wait; returns the exit status.
    @discardableResult
    public func stop() -> Int32? {
        guard let process else { return nil }
        process.terminate(grace: 10)
        return process.wait()
    }

    public func signal(_ signal: Int32) { process?.signal(signal) }

    deinit { process?.terminate(grace: 2) }
}

/// A client of the daemon for tests: blocking calls, and the signals it emits recorded on a loop the
/// test pumps.
public final class DaemonClient {
    public let connection: Connection
    public let loop = MainLoop()
    public private(set) var signals: [Message] = []

    public init(bus: PrivateBus, recordSignals: Bool = true) throws {
        connection = try bus.connect()
        connection.attach(to: loop)
        if recordSignals {
            try connection.subscribe(MatchRule(sender: DaemonProcess.busName.rawValue, interface: DaemonProcess.interface)) {
                [unowned self] in self.signals.append($0)
            }
            try connection.subscribe(MatchRule(sender: DaemonProcess.busName.rawValue, interface: .properties)) {
                [unowned self] in self.signals.append($0)
            }
            try connection.subscribe(MatchRule(sender: DaemonProcess.busName.rawValue, interface: .objectManager)) {
                [unowned self] in self.signals.append($0)
            }
            // Let the subscription's owner lookup arrive.
            _ = loop.run(until: { false }, timeout: 0.05)
        }
    }

    /// Calls a method of `org.trainbell.TrainBell1` (or another interface / path).
    @discardableResult
    public func call(_ member: MemberName, _ arguments: [DBusValue] = [], interface: InterfaceName = DaemonProcess.interface,
                     path: ObjectPath = DaemonProcess.path, timeout: Double = 10) throws(BusError) -> [DBusValue] {
        try connection.call(destination: DaemonProcess.busName, path: path, interface: interface, member: member,
                            arguments, timeout: timeout)
    }

    /// The error a call fails with, or nil when it succeeds.
    public func error(_ member: MemberName, _ arguments: [DBusValue] = []) -> BusError? {
        do {
            try call(member, arguments)
            return nil
        } catch {
            return error
        }
    }

    /// The signals named `member` received so far (pumping the loop until `count` arrived or `timeout`).
    public func signals(_ member: MemberName, count: Int = 1, timeout: Double = 10) -> [Message] {
        _ = loop.run(until: { self.signals.filter { $0.member == member }.count >= count }, timeout: timeout)
        return signals.filter { $0.member == member }
    }

    /// The notification records of `NotificationEmitted` so far, as key → value.
    public func emitted(count: Int = 1, timeout: Double = 10) -> [[String: DBusValue]] {
        signals("NotificationEmitted", count: count, timeout: timeout).compactMap {
            (try? $0.arguments())?.last?.stringKeyedEntries?.mapValues(\.unwrapped)
        }
    }

    public func clearSignals() { signals = [] }

    /// `GetNotifications(id)` as key → value maps.
    public func history(_ jobID: String = "") throws -> [[String: DBusValue]] {
        try api.notifications(of: jobID).map { record in
            Dictionary(record.entries.map { ($0.key, $0.value.unwrapped) }, uniquingKeysWith: { $1 })
        }
    }

    /// The typed client on this connection (`TrainBellAPI`).
    public var api: TrainBellClient { TrainBellClient(connection: connection) }

    public func startJob(_ id: String, title: String = "", total: UInt64, options: [(String, DBusValue)] = []) throws -> ObjectPath? {
        try api.startJob(id, title: title, total: total,
                         options: Dictionary(options.map { ($0.0, DBusValue.variant($0.1)) }, uniquingKeysWith: { $1 }))
    }

    public func progress(_ id: String, _ step: UInt64, total: UInt64 = 0) throws {
        try api.reportProgress(id, step: step, total: total)
    }
}
