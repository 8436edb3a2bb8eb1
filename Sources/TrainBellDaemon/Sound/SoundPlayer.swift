import DBusGLib
import Logging
import TrainBellCore
import TrainBellDesktop

/// Plays the sound of a notification that the server showed but will not sound itself (it lacks the
/// `sound` capability: dunst, mako, KDE Plasma, swaync), through libcanberra, from the desktop's XDG
/// sound theme (falling back to freedesktop's) or a file. What to play, and when, is decided by
/// `DeliveryQueue` with `SoundFallback` (TrainBellCore): this only executes it.
///
/// The calls to libcanberra run on a ``SoundThread`` of their own, so the main loop never waits for
/// the sound server; nothing runs and no connection is open while nothing plays. A sound server that
/// cannot be reached is logged once (and again only after one was reached); a missing sound once per
/// sound. Sounds are started under the notification's server id, so a bubble the user dismisses stops its sound.
///
/// `@unchecked Sendable` only so that the sound thread can hand its outcomes back through
/// `MainLoop.invoke`: every member is used on the main loop's thread.
final class SoundPlayer: @unchecked Sendable {
    /// The most missing sounds remembered, each logged once.
    static let maximumMissingLogged = 64

    private let loop: MainLoop
    private let log: Logger
    private var thread: SoundThread?
    private var unavailableLogged = false
    private var missingLogged: Set<SoundCue> = []

    init(loop: MainLoop, log: Logger) {
        self.loop = loop
        self.log = log
    }

    /// Plays `sound` for the bubble the server showed under `notificationID`.
    func play(_ sound: SoundCue, notificationID: UInt32) {
        log.debug("playing sound \(sound) for notification \(notificationID)")
        started().submit(.play(sound, id: notificationID, theme: DesktopSoundTheme.name()))
    }

    /// The server closed bubble `notificationID` (`reason` as `NotificationClosed`): when the user
    /// dismissed it (2), its sound stops.
    func closed(notificationID: UInt32, reason: UInt32) {
        guard reason == 2, let thread else { return }
        thread.submit(.cancel(id: notificationID))
    }

    private func started() -> SoundThread {
        if let thread { return thread }
        let loop = loop
        let thread = SoundThread(properties: Self.applicationProperties) { [weak self] outcome in
            loop.invoke { [weak self] in self?.handle(outcome) }
        }
        self.thread = thread
        return thread
    }

    /// How the sound server lists trainbelld's sounds (`pactl list sink-inputs`, pavucontrol).
    static let applicationProperties = [
        ("application.name", "trainbell"),
        ("application.id", "org.trainbell.TrainBell1"),
        ("application.icon_name", "trainbell"),
    ]

    private func handle(_ outcome: SoundThread.Outcome) {
        switch outcome {
        case .playing:
            unavailableLogged = false
        case .failed(_, let failure) where failure.meansUnavailable:
            guard !unavailableLogged else { return }
            unavailableLogged = true
            log.warning("cannot play sounds (\(failure)): is a sound server (PulseAudio or PipeWire) running? Notifications go on without sound")
        case .failed(let sound, let failure) where failure.meansMissing:
            guard !missingLogged.contains(sound) else { return }
            if missingLogged.count >= Self.maximumMissingLogged { missingLogged.removeAll() }
            missingLogged.insert(sound)
            log.warning("no sound \(sound) to play (\(failure)): [sounds] takes a sound-theme name such as complete, or the path of a sound file")
        case .failed(let sound, let failure):
            log.warning("cannot play sound \(sound): \(failure)")
        }
    }
}
