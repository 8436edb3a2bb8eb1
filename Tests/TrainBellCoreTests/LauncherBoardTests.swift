import PropertyBased
import Testing
import TrainBellCore

/// Launcher icons of every app, from job and SetProgress events.
@Suite struct LauncherBoardTests {
    static let j1 = try! JobID("resnet")
    static let j2 = try! JobID("bert")
    static let s: Int64 = 1_000_000

    static func running(_ progress: Double, count: Int64 = 1, urgent: Bool = false) -> LauncherEntryProperties {
        LauncherEntryProperties(
            progress: progress, progressVisible: true, count: count, countVisible: count > 1, urgent: urgent)
    }

    @Test func aRunFromStartToCompletionEndsWithTheFlashAndAClear() {
        var board = LauncherBoard(flashDuration: 5 * Self.s)
        var updates: [LauncherUpdate] = []
        for step in 0...4 {
            updates += board.reportProgress(job: Self.j1, appID: "org.gnome.Terminal", fraction: Double(step) / 4)
        }
        updates += board.complete(job: Self.j1, appID: "org.gnome.Terminal", now: 10 * Self.s)
        #expect(board.nextDeadline == 15 * Self.s)
        updates += board.expire(now: 14 * Self.s)
        updates += board.expire(now: 15 * Self.s)
        #expect(
            updates == [
                .show(appID: "org.gnome.Terminal", properties: Self.running(0)),
                .show(appID: "org.gnome.Terminal", properties: Self.running(0.25)),
                .show(appID: "org.gnome.Terminal", properties: Self.running(0.5)),
                .show(appID: "org.gnome.Terminal", properties: Self.running(0.75)),
                .show(appID: "org.gnome.Terminal", properties: Self.running(1)),
                .show(appID: "org.gnome.Terminal", properties: Self.running(1, urgent: true)),
                .clear(appID: "org.gnome.Terminal"),
            ])
        #expect(board.appIDs.isEmpty)
        #expect(board.appID(of: Self.j1) == nil)
        #expect(board.nextDeadline == nil)
    }

    @Test func twoJobsOfOneAppGiveTheMeanAndCountTwo() {
        var board = LauncherBoard()
        _ = board.reportProgress(job: Self.j1, appID: "code", fraction: 0.5)
        let updates = board.reportProgress(job: Self.j2, appID: "code.desktop", fraction: 0.1)
        #expect(updates == [.show(appID: "code", properties: Self.running(0.3, count: 2))])
        #expect(board.properties(appID: "code.desktop") == Self.running(0.3, count: 2))
        #expect(board.cancel(job: Self.j1) == [.show(appID: "code", properties: Self.running(0.1))])
        #expect(board.cancel(job: Self.j2) == [.clear(appID: "code")])
        #expect(board.cancel(job: Self.j2) == [])
    }

    @Test func jobsOfDifferentAppsAreSeparate() {
        var board = LauncherBoard()
        _ = board.reportProgress(job: Self.j1, appID: "code", fraction: 0.5)
        _ = board.reportProgress(job: Self.j2, appID: "org.kde.konsole", fraction: 0.2)
        #expect(board.allProperties == ["code": Self.running(0.5), "org.kde.konsole": Self.running(0.2)])
        #expect(board.appIDs == ["code", "org.kde.konsole"])
    }

    @Test func aJobThatChangesAppLeavesTheOldIcon() {
        var board = LauncherBoard()
        _ = board.reportProgress(job: Self.j1, appID: "code", fraction: 0.5)
        let updates = board.reportProgress(job: Self.j1, appID: "org.kde.konsole", fraction: 0)
        #expect(updates == [.clear(appID: "code"), .show(appID: "org.kde.konsole", properties: Self.running(0))])
        #expect(board.reportProgress(job: Self.j1, appID: nil, fraction: 0.1) == [.clear(appID: "org.kde.konsole")])
        #expect(board.appIDs.isEmpty)
    }

    @Test func aJobWithoutAppIsOnNoIcon() {
        var board = LauncherBoard()
        #expect(board.reportProgress(job: Self.j1, appID: nil, fraction: 0.5) == [])
        #expect(board.reportProgress(job: Self.j1, appID: "  ", fraction: 0.5) == [])
        #expect(board.complete(job: Self.j1, appID: nil, now: 0) == [])
        #expect(board.allProperties.isEmpty)
    }

    @Test func anErrorIsUrgentAndProgressAfterItIsNot() {
        var board = LauncherBoard()
        _ = board.reportProgress(job: Self.j1, appID: "code", fraction: 0.4)
        #expect(
            board.reportError(job: Self.j1, appID: "code") == [
                .show(appID: "code", properties: Self.running(0.4, urgent: true))
            ])
        #expect(board.reportError(job: Self.j1, appID: "code") == [])
        #expect(
            board.reportProgress(job: Self.j1, appID: "code", fraction: 0.4) == [
                .show(appID: "code", properties: Self.running(0.4))
            ])
    }

    @Test func unchangedProgressIsNotAnUpdate() {
        var board = LauncherBoard()
        _ = board.reportProgress(job: Self.j1, appID: "code", fraction: 0.4)
        #expect(board.reportProgress(job: Self.j1, appID: "code", fraction: 0.4) == [])
    }

    @Test func cancelHidesWithoutAFlash() {
        var board = LauncherBoard()
        _ = board.reportProgress(job: Self.j1, appID: "code", fraction: 0.4)
        #expect(board.cancel(job: Self.j1) == [.clear(appID: "code")])
        #expect(board.nextDeadline == nil)
    }

    @Test func aRestartDuringTheFlashRunsAgain() {
        var board = LauncherBoard(flashDuration: Self.s)
        _ = board.complete(job: Self.j1, appID: "code", now: 0)
        #expect(
            board.reportProgress(job: Self.j1, appID: "code", fraction: 0) == [
                .show(appID: "code", properties: Self.running(0))
            ])
        #expect(board.nextDeadline == nil)
        #expect(board.expire(now: Self.s) == [])
    }

    @Test func setProgressStatesForAnAppWithoutJobs() {
        var board = LauncherBoard(flashDuration: 3 * Self.s)
        #expect(
            board.setProgress(appID: "org.example.Trainer", value: .init(setProgressValue: 0.42), now: 0)
                == [.show(appID: "org.example.Trainer", properties: Self.running(0.42))])
        #expect(
            board.setProgress(appID: "org.example.Trainer.desktop", value: .init(setProgressValue: 1), now: Self.s)
                == [.show(appID: "org.example.Trainer", properties: Self.running(1, urgent: true))])
        #expect(board.nextDeadline == 4 * Self.s)
        #expect(board.expire(now: 4 * Self.s) == [.clear(appID: "org.example.Trainer")])
        _ = board.setProgress(appID: "org.example.Trainer", value: .init(setProgressValue: 0.1), now: 5 * Self.s)
        #expect(
            board.setProgress(appID: "org.example.Trainer", value: .init(setProgressValue: -1), now: 6 * Self.s)
                == [.clear(appID: "org.example.Trainer")])
        #expect(board.setProgress(appID: "org.example.Trainer", value: .hidden, now: 7 * Self.s) == [])
        #expect(board.setProgress(appID: "", value: .completed, now: 7 * Self.s) == [])
    }

    @Test func setProgressHiddenKeepsTheJobs() {
        var board = LauncherBoard()
        _ = board.reportProgress(job: Self.j1, appID: "code", fraction: 0.2)
        _ = board.setProgress(appID: "code", value: .running(fraction: 0.6), now: 0)
        #expect(board.properties(appID: "code") == Self.running(0.4, count: 2))
        #expect(
            board.setProgress(appID: "code", value: .hidden, now: 0) == [
                .show(appID: "code", properties: Self.running(0.2))
            ])
    }

    @Test func flashesOfSeveralAppsEndInOrder() {
        var board = LauncherBoard(flashDuration: Self.s)
        _ = board.complete(job: Self.j1, appID: "b", now: 0)
        _ = board.complete(job: Self.j2, appID: "a", now: 0)
        #expect(board.expire(now: Self.s) == [.clear(appID: "a"), .clear(appID: "b")])
    }

    @Test func unknownAppsShowNothing() {
        #expect(LauncherBoard().properties(appID: "nothing") == .cleared)
    }

    /// One event of a run of the board, for the property below.
    enum Event: Sendable, CustomStringConvertible {
        case progress(job: Int, app: Int?, fraction: Double)
        case error(job: Int, app: Int?)
        case complete(job: Int, app: Int?)
        case cancel(job: Int)
        case setProgress(app: Int, value: Double)
        case wait(Int64)

        var description: String {
            switch self {
            case .progress(let job, let app, let fraction): "progress j\(job) a\(app ?? -1) \(fraction)"
            case .error(let job, let app): "error j\(job) a\(app ?? -1)"
            case .complete(let job, let app): "complete j\(job) a\(app ?? -1)"
            case .cancel(let job): "cancel j\(job)"
            case .setProgress(let app, let value): "setProgress a\(app) \(value)"
            case .wait(let time): "wait \(time)"
            }
        }
    }

    static let apps = ["code", "org.gnome.Terminal", "org.kde.konsole"]
    static let jobs = ["a", "b", "c", "d"].map { try! JobID($0) }

    /// A dock that applies every update it receives (and the daemon's timer
    /// expiring flashes) always shows exactly what the board holds; no
    /// update is redundant; every icon is consistent (bar visible, count of
    /// its entries, badge only from two); a clear only for an icon shown.
    @Test func aDockFollowingTheUpdatesShowsTheBoard() async {
        let app = Gen.int(in: -1...2).map { $0 < 0 ? nil : $0 }
        let event = zip(
            Gen.int(in: 0...9), Gen.int(in: 0...3), app, Gen.double(in: -0.5...1.5), Gen.int64(in: 0...4_000_000)
        )
        .map { kind, job, app, value, time -> Event in
            switch kind {
            case 0...3: .progress(job: job, app: app, fraction: value)
            case 4: .error(job: job, app: app)
            case 5: .complete(job: job, app: app)
            case 6: .cancel(job: job)
            case 7: .setProgress(app: job % 3, value: value > 1.2 ? -1 : value)
            default: .wait(time)
            }
        }
        await propertyCheck(count: 300, input: event.array(of: 0...80)) { events in
            var board = LauncherBoard(flashDuration: 2_000_000)
            var dock: [String: LauncherEntryProperties] = [:]
            var now: Int64 = 0
            func apply(_ updates: [LauncherUpdate]) {
                for update in updates {
                    switch update {
                    case .show(let appID, let properties):
                        #expect(dock[appID] != properties, "redundant \(update)")
                        dock[appID] = properties
                    case .clear(let appID):
                        #expect(dock[appID] != nil, "clear of an icon never shown: \(appID)")
                        dock[appID] = nil
                    }
                }
            }
            for event in events {
                switch event {
                case .progress(let job, let app, let fraction):
                    apply(
                        board.reportProgress(job: Self.jobs[job], appID: app.map { Self.apps[$0] }, fraction: fraction))
                case .error(let job, let app):
                    apply(board.reportError(job: Self.jobs[job], appID: app.map { Self.apps[$0] }))
                case .complete(let job, let app):
                    apply(board.complete(job: Self.jobs[job], appID: app.map { Self.apps[$0] }, now: now))
                case .cancel(let job):
                    apply(board.cancel(job: Self.jobs[job]))
                case .setProgress(let app, let value):
                    apply(
                        board.setProgress(
                            appID: Self.apps[app], value: TaskbarProgress(setProgressValue: value), now: now))
                case .wait(let time):
                    now += time
                    while let deadline = board.nextDeadline, deadline <= now {
                        apply(board.expire(now: deadline))
                    }
                }
                #expect(dock == board.allProperties, "after \(event)")
                for (appID, properties) in board.allProperties {
                    #expect(properties.progressVisible && properties.count >= 1, "\(appID): \(properties)")
                    #expect(properties.countVisible == (properties.count > 1))
                    #expect((0...1).contains(properties.progress))
                    let jobsOnIt = Self.jobs.filter { board.appID(of: $0) == appID }.count
                    #expect(properties.count >= Int64(jobsOnIt) && properties.count <= Int64(jobsOnIt) + 1)
                }
            }
            // Once every flash is over, only running and failed entries are left.
            while let deadline = board.nextDeadline {
                apply(board.expire(now: deadline))
            }
            #expect(dock == board.allProperties)
        }
    }
}
