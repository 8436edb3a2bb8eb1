import DBus
import Logging

/// Whether the user has given no input for a while, on KDE Plasma: `GetSessionIdleTime() -> u`
/// (seconds) of `org.freedesktop.ScreenSaver` (kscreenlocker `interface.h`). The interface has no
/// signal for idleness, so this is the one source that reads on a timer, with as few wake-ups as the
/// answer allows: while the user is at the desk, once at the moment the idle time could first reach
/// the limit (a user who keeps working costs one read per `minutes`); while idle, every
/// `returnCheck` seconds, to notice the return. The screen lock (`ActiveChanged`) needs no timer.
/// Where `GetSessionIdleTime` fails (GNOME's gsd-screensaver-proxy has only `Inhibit`), no timer runs.
public final class ScreenSaverIdleTime: PresenceSource {
    static let service = ScreenSaverLock.Service.freedesktop

    /// Seconds between reads while the user is idle.
    public static let returnCheck: UInt32 = 15

    public var name: String { Self.service.name.rawValue }
    public var value: Bool? { watch.state }
    public var isSettled: Bool { watch.isSettled }
    /// Input-free time that counts as idle, in seconds.
    public let limit: UInt32
    private let loop: EventLoop
    private let watch: DoNotDisturbServiceWatch<Bool>
    private var timer: EventSource?

    /// A source on `connection` (the session bus), attached to `loop`; idle after `minutes`.
    public init(connection: Connection, loop: EventLoop, minutes: Int, log: Logger) {
        limit = UInt32(max(1, minutes)) * 60
        self.loop = loop
        watch = DoNotDisturbServiceWatch(connection: connection, service: Self.service.name, sourceName: Self.service.name.rawValue,
                                         log: log, unknownMessage: "presence: the idle time from \(Self.service.name) is unknown", reportsSettling: true)
    }

    public func start(onChange: @escaping () -> Void) {
        watch.start(read: { [weak self] done in self?.read(done) }, signals: [:], onChange: onChange)
    }

    public func stop() {
        timer?.cancel()
        timer = nil
        watch.stop()
    }

    private func read(_ done: @escaping (Result<Bool, BusError>) -> Void) {
        timer?.cancel()
        timer = nil
        watch.call(path: Self.service.path, interface: Self.service.interface, member: "GetSessionIdleTime") { [weak self] result in
            guard let self else { return }
            done(result.flatMap { values in
                guard let seconds = values.first.flatMap({ UInt32(dbusValue: $0) }) else {
                    return .failure(BusError(.invalidArgs, "GetSessionIdleTime answered \(values), expected seconds (u)"))
                }
                let idle = seconds >= self.limit
                self.schedule(after: idle ? Self.returnCheck : self.limit - seconds)
                return .success(idle)
            })
        }
    }

    private func schedule(after seconds: UInt32) {
        timer?.cancel()
        timer = loop.addTimeout(seconds: max(1, seconds)) { [weak self] in
            self?.timer = nil
            self?.watch.readNow()
            return false
        }
    }
}
