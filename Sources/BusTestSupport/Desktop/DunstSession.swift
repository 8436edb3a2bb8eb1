import DBus
import Foundation

/// A whole private desktop for one test: a private bus, a virtual display, a real dunst on both, and a
/// recorder of the notification traffic (started before dunst, so it sees everything). Stopped in reverse
/// order when stopped or dropped.
public final class DunstSession: @unchecked Sendable {
    // @unchecked Sendable: the parts are Sendable; `stop` only stops them.
    public let bus: PrivateBus
    public let display: VirtualDisplay
    public let recorder: NotifyRecorder
    public let dunst: Dunst

    public init(extraDunstConfiguration: String = "", serviceDirectories: [String] = []) throws {
        bus = try PrivateBus(serviceDirectories: serviceDirectories)
        display = try VirtualDisplay()
        recorder = try NotifyRecorder(bus: bus)
        dunst = try Dunst(bus: bus, display: display, extraConfiguration: extraDunstConfiguration)
    }

    /// What a client process started by the test needs: this bus as its session bus, this display, no
    /// Wayland display of the developer's. Merge into the environment of `runCommand` or `BackgroundCommand`.
    public var clientEnvironment: [String: String] {
        ["DBUS_SESSION_BUS_ADDRESS": bus.address, "DISPLAY": display.display]
    }

    public func stop() {
        recorder.stop()
        dunst.stop()
        display.stop()
        bus.stop()
    }

    deinit { stop() }
}
