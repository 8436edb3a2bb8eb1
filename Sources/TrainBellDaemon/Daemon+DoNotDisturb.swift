import DBus
import TrainBellCore
import TrainBellDesktop

extension Daemon {
    /// Connects the Do Not Disturb service to the notifier, and starts it.
    func startDoNotDisturb() {
        notifier.policy.sendsDigest = configuration.sendsDigest
        notifier.policy.templates = configuration.composer.templates
        doNotDisturb.holdsRecords = { [unowned notifier] in notifier.holdsRecords }
        doNotDisturb.onChange = { [weak self] status in self?.doNotDisturbChanged(status) }
        notifier.beforeDecision = { [unowned doNotDisturb] in doNotDisturb.refresh() }
        notifier.onHeld = { [unowned doNotDisturb] in doNotDisturb.recordHeld() }
        doNotDisturb.quietHours = configuration.quietHours
        doNotDisturb.start()
    }

    func doNotDisturbChanged(_ status: DoNotDisturbStatus) {
        guard notifier.updateDoNotDisturb(status, now: Clock.now()) else { return }
        log.info("Do Not Disturb \(status.active ? "on" : "off") (\(status.source))")
        root?.emitPropertiesChanged(Self.interface, ["DoNotDisturb", "DoNotDisturbSource"])
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
