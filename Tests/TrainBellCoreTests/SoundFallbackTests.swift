import Testing
@testable import TrainBellCore

/// Which sound trainbelld plays itself (issue 13, section 1): `SoundFallback` on its own, the hints the
/// builder sends, and the `playSound` effects of `DeliveryQueue` — where the server lacks the `sound`
/// capability, for bubbles it shows, never for what Do Not Disturb holds back or `suppress-sound`.
@Suite struct SoundFallbackTests {
    typealias Driver = DeliveryQueueTests.Driver

    static func request(_ hints: [(String, HintValue)]) -> NotificationRequest {
        NotificationRequest(appName: "trainbell", summary: "s", hints: hints.map { (name: $0.0, value: $0.1) })
    }

    static let complete: [(String, HintValue)] = [("sound-name", .string("complete"))]

    /// (hints, delivery, server plays sound, `[sounds] play = auto`) → the cue.
    static let cases: [(hints: [(String, HintValue)], delivery: Delivery, serverPlaysSound: Bool, enabled: Bool, expected: SoundCue?)] = [
        (complete, .shown, false, true, .themeEvent("complete")),
        // The server plays it: no double sound.
        (complete, .shown, true, true, nil),
        // `[sounds] play = server`.
        (complete, .shown, false, false, nil),
        // Not on screen, or not yet: held back by DND or quiet hours, held by the server, unsure, queued, flooded.
        (complete, .suppressedDoNotDisturb, false, true, nil),
        (complete, .heldByServer, false, true, nil),
        (complete, .sentDuringDoNotDisturb, false, true, nil),
        (complete, .queued, false, true, nil),
        (complete, .noServer, false, true, nil),
        (complete, .rateLimited, false, true, nil),
        // suppress-sound wins, whatever its spelling; false or 0 does not suppress.
        (complete + [("suppress-sound", .boolean(true))], .shown, false, true, nil),
        (complete + [("suppress-sound", .byte(1))], .shown, false, true, nil),
        (complete + [("suppress-sound", .passthrough(PassthroughHint(Int64(1))))], .shown, false, true, nil),
        (complete + [("suppress-sound", .boolean(false))], .shown, false, true, .themeEvent("complete")),
        (complete + [("suppress-sound", .int32(0))], .shown, false, true, .themeEvent("complete")),
        // sound-file before sound-name (as GNOME Shell reads them); only an absolute path.
        (complete + [("sound-file", .string("/usr/share/sounds/a.oga"))], .shown, false, true, .file("/usr/share/sounds/a.oga")),
        ([("sound-file", .string("a.oga"))], .shown, false, true, nil),
        ([("sound-name", .string(""))], .shown, false, true, nil),
        ([("sound-name", .int32(3))], .shown, false, true, nil),
        ([], .shown, false, true, nil),
    ]

    @Test(arguments: cases.indices)
    func theCueFollowsTheBubbleAndTheServer(_ index: Int) {
        let c = Self.cases[index]
        let cue = SoundFallback(isEnabled: c.enabled).cue(for: Self.request(c.hints), delivery: c.delivery,
                                                          serverPlaysSound: c.serverPlaysSound)
        #expect(cue == c.expected, "case \(index): \(c.hints.map(\.0)) \(c.delivery)")
    }

    @Test(arguments: [("complete", SoundCue.themeEvent("complete")), ("/home/me/done.wav", .file("/home/me/done.wav"))])
    func aConfiguredSoundIsAThemeEventOrAFile(_ text: String, _ cue: SoundCue) {
        #expect(SoundCue(configured: text) == cue)
        #expect(SoundCue(configured: "") == nil)
    }

    @Test func theBuilderAsksForTheConfiguredSoundByNameOrFile() {
        let job = JobTests.newJob(total: 10)
        var composer = EventComposer.standard
        let builder = NotificationRequestBuilder()
        func hints(_ event: NotificationEvent) -> [String] {
            builder.request(for: event, jobID: "j", appID: nil, icon: nil, bodyMarkup: false).hints
                .filter { $0.name.contains("sound") }.map { "\($0.name)=\($0.value)" }
        }
        #expect(hints(composer.completionEvent(for: job)) == ["sound-name=string(\"complete\")"])
        #expect(hints(composer.milestoneEvent(for: job, milestone: 50)) == ["suppress-sound=boolean(true)"])
        composer.soundNames[.completion] = "/usr/share/sounds/freedesktop/stereo/bell.oga"
        #expect(hints(composer.completionEvent(for: job)) == ["sound-file=string(\"/usr/share/sounds/freedesktop/stereo/bell.oga\")"])
        composer.soundNames[.completion] = nil
        #expect(hints(composer.completionEvent(for: job)) == ["suppress-sound=boolean(true)"])
    }

    // MARK: DeliveryQueue

    static func completion(sound: String? = "complete") -> NotificationEvent {
        var event = DeliveryQueueTests.event(.completion, percent: 100)
        event.sound = sound != nil
        event.soundName = sound
        return event
    }

    static func error(sound: String? = "dialog-error", message: String = "m") -> NotificationEvent {
        var event = DeliveryQueueTests.event(.error, message: message)
        event.sound = sound != nil
        event.soundName = sound
        return event
    }

    @Test func aShownCompletionSoundsOnceItsBubbleIsUpWhereTheServerPlaysNone() {
        var d = Driver(server: DeliveryQueue.Server(hasBodyMarkup: true, playsSound: false))
        d.event(Self.completion(), job: "a")
        #expect(d.sounds.isEmpty, "not before the server took it")
        let id = d.answerOldest()
        #expect(d.sounds.map(\.sound) == [.themeEvent("complete")])
        #expect(d.sounds.map(\.id) == [id ?? 0])
    }

    @Test func aServerThatPlaysSoundsGetsNoneFromTrainbell() {
        var d = Driver(server: DeliveryQueue.Server(hasBodyMarkup: true, playsSound: true))
        d.event(Self.completion(), job: "a")
        d.event(Self.error(), job: "a")
        while d.answerOldest() != nil {}
        #expect(d.notified.count == 2)
        #expect(d.sounds.isEmpty)
    }

    @Test func playingItselfCanBeTurnedOff() {
        var d = Driver()
        d.queue.soundFallback = SoundFallback(isEnabled: false)
        d.event(Self.completion(), job: "a")
        d.answerOldest()
        #expect(d.notified.count == 1 && d.sounds.isEmpty)
    }

    @Test func doNotDisturbSilencesWhatItHoldsAndWhatTheServerHolds() {
        var d = Driver()
        d.dnd(true, holds: false)
        d.event(Self.completion(), job: "a")          // held back: suppressed-dnd
        d.event(Self.error(), job: "a")               // shown through DND by a server that shows urgent ones
        while d.answerOldest() != nil {}
        #expect(d.sounds.map(\.sound) == [.themeEvent("dialog-error")])
        d.dnd(false)
        d.dnd(true, holds: true)                      // dunst paused: it holds even the error
        d.event(Self.error(message: "other"), job: "a")
        while d.answerOldest() != nil {}
        #expect(d.deliveries.last?.delivery == .heldByServer)
        #expect(d.sounds.count == 1)
    }

    @Test func silentEventsCollapsedErrorsAndAnswersOfAGoneServerPlayNothing() {
        var d = Driver()
        d.event(Self.completion(sound: nil), job: "a")
        d.event(Self.error(), job: "b")
        d.answerOldest()
        d.answerOldest()
        #expect(d.sounds.map(\.sound) == [.themeEvent("dialog-error")])
        // The same error again: its count is updated in place, without another sound.
        d.event(Self.error(), job: "b")
        #expect(d.unanswered.count == 1)
        // Sent to a server that went away before answering.
        d.event(Self.completion(), job: "c")
        d.run(d.queue.serverChanged(Driver.server))
        d.answerOldest()
        #expect(d.sounds.count == 1)
    }

    @Test func aSendAsksForItsOwnSoundOrSuppressesIt() {
        var d = Driver()
        func send(_ hints: [(String, HintValue)]) {
            let event = NotificationEvent(type: .custom, title: "s", message: "")
            let (decided, _) = d.queue.decideSend(event, request: Self.request(hints), jobID: "", sender: nil, now: 1)
            d.run(d.queue.accept(decided, recordID: 1))
            d.answerOldest()
        }
        send([("sound-name", .string("message-new-instant"))])
        send([("sound-name", .string("bell")), ("suppress-sound", .boolean(true))])
        send([])
        #expect(d.sounds.map(\.sound) == [.themeEvent("message-new-instant")])
    }
}
