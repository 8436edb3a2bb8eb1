/// When the user counts as away from the desk (`[away] when` and `away-after` in the configuration).
public struct AwayRule: Sendable, Hashable {
    /// What makes the user away.
    public enum When: String, Sendable, CaseIterable {
        /// The screen is locked.
        case locked
        /// The screen is locked, or there was no input for `awayAfterMinutes`.
        case idle
        /// Always away (every sink with `when = away` always sends).
        case always
        /// Never away.
        case never
    }

    public static let defaultAwayAfterMinutes = 10

    public var when: When
    /// Minutes without input after which `idle` counts as away.
    public var awayAfterMinutes: Int

    public init(when: When = .idle, awayAfterMinutes: Int = AwayRule.defaultAwayAfterMinutes) {
        self.when = when
        self.awayAfterMinutes = awayAfterMinutes
    }

    /// Whether an idle source must be watched.
    public var watchesIdle: Bool { when == .idle }
    /// Whether screen-lock sources must be watched.
    public var watchesLock: Bool { when == .idle || when == .locked }

    /// The presence that follows from the sources' last readings. `locks` are in order of preference:
    /// the first that says locked names the reason; `idle` counts only for `when = idle`. A source
    /// that is unknown (absent, failed) says nothing; with nothing known the user is at the desk.
    public func presence(locks: [PresenceReading], idle: [PresenceReading]) -> PresenceStatus {
        switch when {
        case .never: return PresenceStatus(isAway: false, source: "[away] when=never")
        case .always: return PresenceStatus(isAway: true, source: "[away] when=always")
        case .locked, .idle: break
        }
        if let locked = locks.first(where: { $0.value == true }) {
            return PresenceStatus(isAway: true, source: "screen locked, \(locked.source)")
        }
        if when == .idle, let idle = idle.first(where: { $0.value == true }) {
            return PresenceStatus(isAway: true, source: "no input for \(awayAfterMinutes) min, \(idle.source)")
        }
        if let unlocked = locks.first(where: { $0.value == false }) {
            return PresenceStatus(isAway: false, source: "screen unlocked, \(unlocked.source)")
        }
        if when == .idle, let active = idle.first(where: { $0.value == false }) {
            return PresenceStatus(isAway: false, source: "input within \(awayAfterMinutes) min, \(active.source)")
        }
        return PresenceStatus(isAway: false, source: "none")
    }
}

/// What one presence source last said: the screen is locked, or the user is idle (true), the
/// opposite (false), or nothing (nil: the source is absent or failed).
public struct PresenceReading: Sendable, Hashable {
    /// The bus name it came from: `org.gnome.ScreenSaver`, `org.freedesktop.login1`, …
    public var source: String
    public var value: Bool?

    public init(source: String, value: Bool?) {
        self.source = source
        self.value = value
    }
}
