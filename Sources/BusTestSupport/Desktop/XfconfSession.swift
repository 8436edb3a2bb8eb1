import DBus
import Foundation
import Glibc

/// The real Xfce settings store, xfconfd (Debian package `xfconf`), on a private bus with a
/// configuration of its own (`XDG_CONFIG_HOME` and `XDG_CONFIG_DIRS` point to a scratch directory,
/// never the user's). xfconfd is D-Bus activated as on a desktop: the bus gets a service directory
/// with `org.xfce.Xfconf.service` pointing to the installed xfconfd — or, with `activatable: false`,
/// none, and the test starts xfconfd itself with `startDaemon` (a store that appears later).
///
/// Settings change through `xfconf-query`, a separate process, as a user or xfce4-notifyd's
/// settings dialog would. `stop` ends xfconfd before the bus. Stopped when dropped.
public final class XfconfSession: @unchecked Sendable {
    // @unchecked Sendable: the processes are only started and stopped from the test's thread.
    public static let service: BusName = "org.xfce.Xfconf"
    public static let channel = "xfce4-notifyd"
    public static let doNotDisturbProperty = "/do-not-disturb"
    /// Where Debian's `xfconf` installs the activation file that names xfconfd.
    static let installedServiceFile = "/usr/share/dbus-1/services/org.xfce.Xfconf.service"

    public let bus: PrivateBus
    private let directory: TemporaryDirectory
    private let xfconfd: String
    private let xfconfQuery: String
    private let environment: [String: String]
    private var daemon: ChildProcess?
    private var control: Connection?
    private var stopped = false

    public init(activatable: Bool = true) throws {
        xfconfQuery = try requireTool("xfconf-query", package: "xfconf")
        xfconfd = try Self.installedXfconfd()
        // xfconf-query needs libxfconf, which Debian's `xfconf` only recommends.
        let probe = try runCommand(xfconfQuery, ["--version"])
        if probe.status != 0 && probe.stderr.contains("libxfconf") {
            throw MissingTool(tool: "libxfconf-0.so.3 (for xfconf-query)", package: "libxfconf-0-3")
        }
        directory = try TemporaryDirectory("trainbell-xfconf")
        let services = directory.path + "/services"
        let config = directory.path + "/config"
        for path in [services, config] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        if activatable {
            try "[D-BUS Service]\nName=\(Self.service)\nExec=\(xfconfd)\n"
                .write(toFile: services + "/org.xfce.Xfconf.service", atomically: true, encoding: .utf8)
        }
        let settings = ["XDG_CONFIG_HOME": config, "XDG_CONFIG_DIRS": config]
        // dbus-daemon hands its environment to the services it activates.
        bus = try PrivateBus(serviceDirectories: activatable ? [services] : [], environment: settings)
        environment = settings.merging(["DBUS_SESSION_BUS_ADDRESS": bus.address]) { $1 }
    }

    /// xfconfd's path from the activation file Debian's `xfconf` installs.
    static func installedXfconfd() throws -> String {
        let text = (try? String(contentsOfFile: installedServiceFile, encoding: .utf8)) ?? ""
        let exec = text.split(separator: "\n").first { $0.hasPrefix("Exec=") }.map { String($0.dropFirst(5)) }
        guard let exec, FileManager.default.isExecutableFile(atPath: exec) else {
            throw MissingTool(tool: "xfconfd", package: "xfconf")
        }
        return exec
    }

    /// Starts xfconfd directly (for a bus without activation) and waits until it owns `org.xfce.Xfconf`.
    public func startDaemon(timeout: Double = 10) throws {
        let process = try ChildProcess(xfconfd, [], environment: ChildProcess.environment(environment.mapValues { $0 }),
                                       stderr: directory.path + "/xfconfd.log")
        daemon = process
        let deadline = Date().addingTimeInterval(timeout)
        while try controlConnection().nameOwner(Self.service) == nil {
            guard process.isRunning, Date() < deadline else {
                throw HarnessError("xfconfd did not take \(Self.service) within \(timeout) s")
            }
            usleep(5_000)
        }
    }

    /// `xfconf-query -c xfce4-notifyd -p /do-not-disturb -n -t bool -s true|false` (created when missing).
    public func setDoNotDisturb(_ on: Bool) throws {
        try query(["-c", Self.channel, "-p", Self.doNotDisturbProperty, "-n", "-t", "bool", "-s", on ? "true" : "false"])
    }

    /// `xfconf-query -c xfce4-notifyd -p /do-not-disturb -r`: the property no longer exists.
    public func removeDoNotDisturb() throws {
        try query(["-c", Self.channel, "-p", Self.doNotDisturbProperty, "-r"])
    }

    /// Runs `xfconf-query` with `arguments` on this bus; its output, or an error with what it said.
    @discardableResult
    public func query(_ arguments: [String]) throws -> String {
        let result = try runCommand(xfconfQuery, arguments, environment: environment)
        guard result.status == 0 else {
            throw HarnessError("xfconf-query \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result.stdout
    }

    private func controlConnection() throws -> Connection {
        if let control { return control }
        let connection = try bus.connect()
        control = connection
        return connection
    }

    /// xfconfd's process id while it owns its name.
    public var xfconfdPID: pid_t? {
        guard let connection = try? controlConnection(), let pid = connection.processID(of: Self.service.rawValue) else {
            return nil
        }
        return pid_t(pid)
    }

    /// Ends xfconfd (SIGTERM: it saves and leaves), then the bus. An activated xfconfd is not this
    /// process's child (`ActivatedProcess`).
    public func stop() {
        guard !stopped else { return }
        stopped = true
        if let daemon {
            daemon.terminate()
            self.daemon = nil
        } else if let pid = xfconfdPID {
            ActivatedProcess.terminate(pid)
        }
        control?.close()
        control = nil
        bus.stop()
    }

    deinit { stop() }
}
