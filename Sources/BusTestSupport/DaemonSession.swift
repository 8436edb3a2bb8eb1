import DBus
import Foundation

/// What most integration tests start: a private bus, a stand-in notification server on it (unless
/// told not to), trainbelld with a configuration, and a client; ``stop()`` ends them in reverse order.
public final class DaemonSession {
    public let bus: PrivateBus
    public let server: StandInNotificationServer?
    public let daemon: DaemonProcess
    public let client: DaemonClient

    public init(configuration: String? = nil, withServer: Bool = true, recordSignals: Bool = false) throws {
        bus = try PrivateBus()
        do {
            server = withServer ? try StandInNotificationServer(bus: bus) : nil
            daemon = try DaemonProcess(bus: bus, configuration: configuration)
            client = try DaemonClient(bus: bus, recordSignals: recordSignals)
        } catch {
            bus.stop()
            throw error
        }
    }

    /// The `trainbell` built beside `trainbelld`, run against this bus.
    public func trainbell(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let executable = ((try DaemonProcess.executable) as NSString).deletingLastPathComponent + "/trainbell"
        return try runCommand(executable, arguments, environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
    }

    public func stop() {
        daemon.stop()
        server?.stop()
        bus.stop()
    }
}
