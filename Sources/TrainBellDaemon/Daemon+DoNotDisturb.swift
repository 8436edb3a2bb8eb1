import DBus
import Glibc
import TrainBellCore
import TrainBellDesktop

extension Daemon {
    /// Starts following the desktop's Do Not Disturb and the configured quiet hours.
    func startDoNotDisturb() {
        notifier.policy.sendsDigest = configuration.sendsDigest
        notifier.policy.templates = configuration.composer.templates
        doNotDisturb.onChange = { [weak self] in self?.doNotDisturbChanged() }
        notifier.beforeDecision = { [weak self] in
            guard let self, !self.refreshingDoNotDisturb else { return }
            // A re-read may block briefly (dunst 1.9, old mako): at most once a second.
            let now = Clock.now()
            guard now - self.lastDoNotDisturbRefresh >= 1_000_000 || now < self.lastDoNotDisturbRefresh else { return }
            self.lastDoNotDisturbRefresh = now
            self.refreshingDoNotDisturb = true
            defer { self.refreshingDoNotDisturb = false }
            self.doNotDisturb.refresh()
        }
        doNotDisturb.start()
        scheduleQuietHours()
    }

    /// The desktop's state, with quiet hours on top: quiet hours count as DND, source `quiet-hours`.
    var effectiveDoNotDisturb: DoNotDisturbStatus {
        let desktop = doNotDisturb.status
        if desktop.active { return desktop }
        if let quiet = configuration.quietHours, quiet.contains(minuteOfDay: Self.minuteOfDay()) {
            return DoNotDisturbStatus(active: true, source: "quiet-hours")
        }
        return desktop
    }

    func doNotDisturbChanged() {
        let status = effectiveDoNotDisturb
        guard notifier.updateDoNotDisturb(status, now: Clock.now()) else { return }
        log.info("Do Not Disturb \(status.active ? "on" : "off") (\(status.source))")
        root?.emitPropertiesChanged(Self.interface, ["DoNotDisturb", "DoNotDisturbSource"])
    }

    /// One timer at the next start or end of the quiet hours (no polling).
    func scheduleQuietHours() {
        quietHoursTimer?.cancel()
        quietHoursTimer = nil
        guard let quiet = configuration.quietHours else { return }
        let now = Self.minuteOfDay()
        let boundaries = [quiet.startMinute, quiet.endMinute].map { ($0 - now + 1440) % 1440 }.map { $0 == 0 ? 1440 : $0 }
        let minutes = boundaries.min() ?? 1440
        // A minute boundary: wait to the start of that minute, plus a second of slack.
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let secondsIntoMinute = Int(ts.tv_sec % 60)
        let wait = UInt32(max(1, minutes * 60 - secondsIntoMinute + 1))
        quietHoursTimer = loop.addTimeout(seconds: wait) { [weak self] in
            self?.doNotDisturbChanged()
            self?.scheduleQuietHours()
            return false
        }
        doNotDisturbChanged()
    }

    /// Minutes since local midnight.
    static func minuteOfDay() -> Int {
        var t = time(nil)
        var local = tm()
        localtime_r(&t, &local)
        return Int(local.tm_hour) * 60 + Int(local.tm_min)
    }

    /// The source of each desktop (DESIGN.md section 5), on this daemon's bus and main loop.
    func makeDoNotDisturbSource(_ kind: DoNotDisturbSourceKind) -> DoNotDisturbSource? {
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
}
