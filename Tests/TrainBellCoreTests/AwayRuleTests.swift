import Testing
import TrainBellCore

/// How the readings of the presence sources and `[away] when` make "at desk" or "away", and what is
/// named as the source.
@Suite struct AwayRuleTests {
    static let gnome = "org.gnome.ScreenSaver"
    static let kde = "org.freedesktop.ScreenSaver"
    static let logind = "org.freedesktop.login1"
    static let mutter = "org.gnome.Mutter.IdleMonitor"

    static func locks(_ gnome: Bool?, _ kde: Bool? = nil, _ logind: Bool? = nil) -> [PresenceReading] {
        [PresenceReading(source: Self.gnome, value: gnome), PresenceReading(source: Self.kde, value: kde),
         PresenceReading(source: Self.logind, value: logind)]
    }

    static func idle(_ mutter: Bool?) -> [PresenceReading] { [PresenceReading(source: Self.mutter, value: mutter)] }

    @Test(arguments: [
        // when, locks, idle → status
        (AwayRule.When.idle, locks(nil), idle(nil), PresenceStatus(isAway: false, source: "none")),
        (.idle, locks(true), idle(false), PresenceStatus(isAway: true, source: "screen locked, org.gnome.ScreenSaver")),
        (.idle, locks(false, nil, true), idle(nil), PresenceStatus(isAway: true, source: "screen locked, org.freedesktop.login1")),
        (.idle, locks(false, true, true), idle(nil), PresenceStatus(isAway: true, source: "screen locked, org.freedesktop.ScreenSaver")),
        (.idle, locks(false), idle(true), PresenceStatus(isAway: true, source: "no input for 10 min, org.gnome.Mutter.IdleMonitor")),
        (.idle, locks(nil, nil, false), idle(false), PresenceStatus(isAway: false, source: "screen unlocked, org.freedesktop.login1")),
        (.idle, locks(nil), idle(false), PresenceStatus(isAway: false, source: "input within 10 min, org.gnome.Mutter.IdleMonitor")),
        (.locked, locks(false), idle(true), PresenceStatus(isAway: false, source: "screen unlocked, org.gnome.ScreenSaver")),
        (.locked, locks(nil), idle(false), PresenceStatus(isAway: false, source: "none")),
        (.locked, locks(nil, true), idle(nil), PresenceStatus(isAway: true, source: "screen locked, org.freedesktop.ScreenSaver")),
        (.always, locks(false), idle(false), PresenceStatus(isAway: true, source: "[away] when=always")),
        (.always, locks(nil), idle(nil), PresenceStatus(isAway: true, source: "[away] when=always")),
        (.never, locks(true, true, true), idle(true), PresenceStatus(isAway: false, source: "[away] when=never")),
    ])
    func readingsMakeThePresence(_ when: AwayRule.When, _ locks: [PresenceReading], _ idle: [PresenceReading], _ expected: PresenceStatus) {
        #expect(AwayRule(when: when).presence(locks: locks, idle: idle) == expected)
    }

    @Test func theStatusReadsAsTrainbellStatusShowsIt() {
        let away = PresenceStatus(isAway: true, source: "screen locked, org.gnome.ScreenSaver")
        #expect(away.name == "away")
        #expect(away.description == "away (screen locked, org.gnome.ScreenSaver)")
        #expect(PresenceStatus(isAway: false, source: "none").name == "at-desk")
    }

    @Test func theMinutesAreNamed() {
        let rule = AwayRule(when: .idle, awayAfterMinutes: 3)
        #expect(rule.presence(locks: [], idle: Self.idle(true)).source == "no input for 3 min, org.gnome.Mutter.IdleMonitor")
    }

    @Test func onlyTheRulesThatNeedThemWatchSources() {
        #expect(AwayRule.When.allCases.map { AwayRule(when: $0).watchesLock } == [true, true, false, false])
        #expect(AwayRule.When.allCases.map { AwayRule(when: $0).watchesIdle } == [false, true, false, false])
    }

    /// Whatever the readings, `never` is at the desk and `always` away; a locked reading is away
    /// under `locked` and `idle`.
    @Test func anyReadings() {
        let values: [Bool?] = [nil, false, true]
        for g in values { for k in values { for l in values { for i in values {
            let locks = Self.locks(g, k, l), idle = Self.idle(i)
            #expect(!AwayRule(when: .never).presence(locks: locks, idle: idle).isAway)
            #expect(AwayRule(when: .always).presence(locks: locks, idle: idle).isAway)
            let locked = [g, k, l].contains(true)
            #expect(AwayRule(when: .locked).presence(locks: locks, idle: idle).isAway == locked)
            #expect(AwayRule(when: .idle).presence(locks: locks, idle: idle).isAway == (locked || i == true))
        } } } }
    }
}
