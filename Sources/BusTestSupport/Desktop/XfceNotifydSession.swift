import DBus
import Foundation
import Glibc

/// The real xfce4-notifyd 0.7 (Debian package `xfce4-notifyd`) on the private bus of an `XfconfSession`
/// (its settings: xfconfd), drawing on a `VirtualDisplay`, with a recorder of the notification traffic.
/// Each bubble it draws is a top-level X window named "xfce4-notifyd": `bubbles` reads them with
/// `xwininfo`, so a test sees the size of what was drawn, not only what was sent.
///
/// Stopped in reverse order when stopped or dropped.
public final class XfceNotifydSession: @unchecked Sendable {
    // @unchecked Sendable: the processes are only started and stopped from the test's thread; `control`
    // makes blocking calls only.
    /// The `WM_NAME` of xfce4-notifyd's windows.
    public static let windowName = "xfce4-notifyd"
    /// Where Debian's `xfce4-notifyd` installs the activation file that names the server.
    static let installedServiceFile = "/usr/share/dbus-1/services/org.xfce.xfce4-notifyd.Notifications.service"

    public let xfconf: XfconfSession
    public let display: VirtualDisplay
    public let recorder: NotifyRecorder
    public var bus: PrivateBus { xfconf.bus }
    private let scratch: TemporaryDirectory
    private let server: ChildProcess
    private let control: Connection
    private var stopped = false

    /// Starts xfconfd (activatable), Xvfb and xfce4-notifyd, and waits until xfce4-notifyd owns
    /// `org.freedesktop.Notifications`.
    public init(startTimeout: Double = 10) throws {
        let notifyd = try Self.installedServer()
        xfconf = try XfconfSession()
        display = try VirtualDisplay()
        recorder = try NotifyRecorder(bus: xfconf.bus)
        scratch = try TemporaryDirectory("trainbell-notifyd")
        server = try ChildProcess(notifyd, [], environment: ChildProcess.environment([
            "DBUS_SESSION_BUS_ADDRESS": xfconf.bus.address, "DISPLAY": display.display,
            "XDG_CONFIG_HOME": scratch.path, "WAYLAND_DISPLAY": nil,
        ]), stderr: scratch.path + "/notifyd.log")
        control = try xfconf.bus.connect()
        let deadline = Date().addingTimeInterval(startTimeout)
        while control.processID(of: NotificationsBus.name.rawValue) != UInt32(server.pid) {
            guard server.isRunning, Date() < deadline else {
                let log = self.log
                server.terminate()
                throw HarnessError("xfce4-notifyd did not take \(NotificationsBus.name) within \(startTimeout) s; its log:\n\(log)")
            }
            usleep(20_000)
        }
    }

    /// xfce4-notifyd's path from the activation file Debian's `xfce4-notifyd` installs.
    static func installedServer() throws -> String {
        let text = (try? String(contentsOfFile: installedServiceFile, encoding: .utf8)) ?? ""
        let exec = text.split(separator: "\n").first { $0.hasPrefix("Exec=") }.map { String($0.dropFirst(5)) }
        guard let exec, FileManager.default.isExecutableFile(atPath: exec) else {
            throw MissingTool(tool: "xfce4-notifyd", package: "xfce4-notifyd")
        }
        return exec
    }

    /// What xfce4-notifyd wrote to its standard error so far.
    public var log: String { (try? String(contentsOfFile: scratch.path + "/notifyd.log", encoding: .utf8)) ?? "" }

    /// What a client process started by the test needs: this bus, this display, no Wayland display.
    public var clientEnvironment: [String: String] {
        ["DBUS_SESSION_BUS_ADDRESS": bus.address, "DISPLAY": display.display]
    }

    /// The bubbles on the screen now (xfce4-notifyd also keeps an unmapped 10×10 window: not a bubble).
    public func bubbles() throws -> [X11Window] {
        try X11Window.viewable(named: Self.windowName, on: display.display)
    }

    /// Waits until exactly one bubble is on the screen and its size has settled (the same in two reads
    /// 100 ms apart), at most `timeout` seconds; returns it, or nil with what was seen.
    public func waitForSingleBubble(timeout: Double = 10) throws -> X11Window? {
        let deadline = Date().addingTimeInterval(timeout)
        var previous: X11Window?
        while Date() < deadline {
            let now = try bubbles()
            if now.count == 1, let bubble = now.first {
                if bubble == previous { return bubble }
                previous = bubble
            } else {
                previous = nil
            }
            usleep(100_000)
        }
        return nil
    }

    /// Closes notification `id` (`CloseNotification`, as its sender could) and waits until no bubble is
    /// on the screen, at most `timeout` seconds; returns whether the screen is clear.
    @discardableResult
    public func close(_ id: UInt32, timeout: Double = 10) throws -> Bool {
        _ = try control.call(destination: NotificationsBus.name, path: NotificationsBus.path, interface: NotificationsBus.interface,
                             member: "CloseNotification", [.uint32(id)], timeout: timeout)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try bubbles().isEmpty { return true }
            usleep(50_000)
        }
        return false
    }

    public func stop() {
        guard !stopped else { return }
        stopped = true
        recorder.stop()
        server.terminate()
        control.close()
        display.stop()
        xfconf.stop()
    }

    deinit { stop() }
}
