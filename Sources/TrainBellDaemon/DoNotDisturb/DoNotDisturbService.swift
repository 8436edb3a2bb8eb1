import DBus
import DBusGLib
import Glibc
import Logging
import TrainBellCore
import TrainBellDesktop

/// Do Not Disturb for the daemon: the desktop's own (through `DoNotDisturbMonitor`, which follows the
/// source of the running server and desktop), the configured quiet hours on top, and the reading
/// again of sources that do not signal every change (mako before 1.10, dunst 1.9).
///
/// Such a source is read again, at most every `refreshInterval`: just before a notification is
/// decided, when a caller asks (`GetDoNotDisturb`, `trainbell status`), and — only while records are
/// held back for the digest, so that the end of DND is noticed and the digest sent — by a timer that
/// backs off from `firstReread` to `longestReread` and stops when nothing is held. Otherwise nothing
/// here wakes up.
final class DoNotDisturbService {
    /// A source without change signals is read again at most this often (µs).
    static let refreshInterval: Int64 = 250_000
    /// The first re-read while records are held, and the longest wait between two (ms).
    static let firstReread: UInt32 = 500
    static let longestReread: UInt32 = 4_000

    private let monitor: DoNotDisturbMonitor
    private let loop: MainLoop
    private let log: Logger
    /// The configured quiet hours; setting them plans their timer again.
    var quietHours: QuietHours? {
        didSet { scheduleQuietHours() }
    }
    /// Gets the effective status whenever it may have changed.
    var onChange: ((DoNotDisturbStatus) -> Void)?
    /// Whether records are held back for the digest (the notifier's policy).
    var holdsRecords: () -> Bool = { false }

    private var quietHoursTimer: EventSource?
    private var lastRefresh: Int64?
    private var refreshing = false
    private var rereadTimer: EventSource?
    private var rereadDelay = DoNotDisturbService.firstReread

    init(monitor: DoNotDisturbMonitor, loop: MainLoop, log: Logger) {
        self.monitor = monitor
        self.loop = loop
        self.log = log
    }

    /// Starts following the desktop and the quiet hours.
    func start() {
        monitor.onChange = { [weak self] in self?.changed() }
        monitor.start()
        scheduleQuietHours()
    }

    func stop() {
        rereadTimer?.cancel()
        quietHoursTimer?.cancel()
        monitor.stop()
    }

    /// The notification server changed: its source applies now.
    func serverChanged(_ server: NotificationServer?) {
        monitor.serverChanged(server)
    }

    /// The desktop's state, with quiet hours on top: quiet hours count as DND, source `quiet-hours`.
    var status: DoNotDisturbStatus {
        let desktop = monitor.status
        if desktop.active { return desktop }
        if let quietHours, quietHours.contains(minuteOfDay: Self.minuteOfDay()) {
            return DoNotDisturbStatus(active: true, source: "quiet-hours")
        }
        return desktop
    }

    /// Reads a source without change signals again, unless it was read less than `refreshInterval`
    /// ago; a change reaches `onChange` before this returns. The read blocks at most the source's
    /// own timeout (half a second), and only for such sources.
    func refresh() {
        guard monitor.needsRereading, !refreshing else { return }
        let now = Clock.now()
        if let lastRefresh, now >= lastRefresh, now - lastRefresh < Self.refreshInterval { return }
        lastRefresh = now
        refreshing = true
        defer { refreshing = false }
        monitor.refresh()
    }

    /// A record was held back: while one is, a source without change signals is read again.
    func recordHeld() {
        planReread()
    }

    private func changed() {
        onChange?(status)
        planReread()
    }

    private func planReread() {
        guard monitor.needsRereading, monitor.status.active, holdsRecords() else {
            rereadTimer?.cancel()
            rereadTimer = nil
            rereadDelay = Self.firstReread
            return
        }
        guard rereadTimer == nil else { return }
        rereadTimer = loop.addTimeout(milliseconds: rereadDelay) { [weak self] in
            guard let self else { return false }
            self.rereadTimer = nil
            self.rereadDelay = min(self.rereadDelay * 2, Self.longestReread)
            self.refresh()
            self.planReread()
            return false
        }
    }

    /// One timer at the next start or end of the quiet hours (no polling).
    private func scheduleQuietHours() {
        quietHoursTimer?.cancel()
        quietHoursTimer = nil
        defer { onChange?(status) }
        guard let quietHours else { return }
        let now = Self.minuteOfDay()
        let boundaries = [quietHours.startMinute, quietHours.endMinute].map { ($0 - now + 1440) % 1440 }.map { $0 == 0 ? 1440 : $0 }
        let minutes = boundaries.min() ?? 1440
        // A minute boundary: wait to the start of that minute, plus a second of slack.
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let secondsIntoMinute = Int(ts.tv_sec % 60)
        let wait = UInt32(max(1, minutes * 60 - secondsIntoMinute + 1))
        quietHoursTimer = loop.addTimeout(seconds: wait) { [weak self] in
            self?.scheduleQuietHours()
            return false
        }
    }

    /// The source of each desktop (DESIGN.md section 5), on the daemon's bus and main loop.
    static func source(_ kind: DoNotDisturbSourceKind, connection: Connection, log: Logger) -> DoNotDisturbSource? {
        func settings(_ setting: DoNotDisturbSetting) -> DoNotDisturbSource? {
            GSettingsDoNotDisturb.isAvailable(setting) ? GSettingsDoNotDisturb(setting, log: log) : nil
        }
        switch kind {
        case .gnome: return settings(.gnome)
        case .cinnamon: return settings(.cinnamon)
        case .mate: return settings(.mate)
        case .kde: return KdeDoNotDisturb(connection: connection, log: log)
        case .dunst: return DunstDoNotDisturb(connection: connection, log: log)
        case .mako: return MakoDoNotDisturb(connection: connection, log: log)
        case .swaync: return SwayncDoNotDisturb(connection: connection, log: log)
        case .xfce: return XfceDoNotDisturb(connection: connection, log: log)
        }
    }

    /// Minutes since local midnight.
    static func minuteOfDay() -> Int {
        var t = time(nil)
        var local = tm()
        localtime_r(&t, &local)
        return Int(local.tm_hour) * 60 + Int(local.tm_min)
    }
}
