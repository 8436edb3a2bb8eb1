import Testing
import TrainBellCore

/// One app's icon from its jobs and its SetProgress state.
@Suite struct LauncherStateTests {
    static let a = LauncherState.Source.job(try! JobID("a"))
    static let b = LauncherState.Source.job(try! JobID("b"))

    @Test func oneRunningJobShowsItsProgressWithoutBadge() {
        var state = LauncherState()
        state.setProgress(0.25, for: Self.a)
        #expect(state.properties == LauncherEntryProperties(progress: 0.25, progressVisible: true, count: 1))
    }

    @Test func twoJobsShowTheMeanAndACountOfTwo() {
        var state = LauncherState()
        state.setProgress(0.2, for: Self.a)
        state.setProgress(0.6, for: Self.b)
        #expect(
            state.properties
                == LauncherEntryProperties(progress: 0.4, progressVisible: true, count: 2, countVisible: true))
    }

    @Test func anErrorMakesTheIconUrgentUntilTheJobRunsAgain() {
        var state = LauncherState()
        state.setProgress(0.3, for: Self.a)
        state.markFailed(Self.a)
        #expect(
            state.properties == LauncherEntryProperties(progress: 0.3, progressVisible: true, count: 1, urgent: true))
        state.setProgress(0.4, for: Self.a)
        #expect(!state.properties.urgent)
    }

    @Test func anErrorBeforeAnyProgressShowsTheJobAtZero() {
        var state = LauncherState()
        state.markFailed(Self.b)
        #expect(state.properties == LauncherEntryProperties(progress: 0, progressVisible: true, count: 1, urgent: true))
    }

    @Test func completionFlashesFullAndUrgentThenClears() {
        var state = LauncherState()
        state.setProgress(0.9, for: Self.a)
        state.complete(Self.a, now: 1_000, flashDuration: 5_000_000)
        #expect(state.properties == LauncherEntryProperties(progress: 1, progressVisible: true, count: 1, urgent: true))
        #expect(state.nextDeadline == 5_001_000)
        state.expire(now: 5_000_999)
        #expect(!state.isEmpty)
        state.expire(now: 5_001_000)
        #expect(state.isEmpty)
        #expect(state.properties == .cleared)
        #expect(state.nextDeadline == nil)
    }

    @Test func aCompletedJobCountsFullWhileTheOtherRuns() {
        var state = LauncherState()
        state.setProgress(0.5, for: Self.a)
        state.setProgress(0.5, for: Self.b)
        state.complete(Self.a, now: 0, flashDuration: 10)
        #expect(
            state.properties
                == LauncherEntryProperties(
                    progress: 0.75, progressVisible: true, count: 2, countVisible: true, urgent: true))
        state.expire(now: 10)
        #expect(state.properties == LauncherEntryProperties(progress: 0.5, progressVisible: true, count: 1))
    }

    @Test func aZeroFlashRemovesAtOnce() {
        var state = LauncherState()
        state.setProgress(0.5, for: .setProgress)
        state.complete(.setProgress, now: 0, flashDuration: 0)
        #expect(state.isEmpty)
    }

    @Test func aFlashNearTheEndOfTimeDoesNotOverflow() {
        var state = LauncherState()
        state.complete(Self.a, now: .max - 1, flashDuration: 5)
        #expect(state.nextDeadline == .max)
    }

    @Test(arguments: [-3.0, Double.nan, 7.0])
    func progressOutsideZeroToOneIsClamped(value: Double) {
        var state = LauncherState()
        state.setProgress(value, for: Self.a)
        let progress = state.properties.progress
        #expect(progress == (value > 1 ? 1 : 0))
    }

    @Test func removingTheLastSourceClears() {
        var state = LauncherState()
        state.setProgress(0.5, for: Self.a)
        state.remove(Self.a)
        #expect(state.isEmpty && state.properties == .cleared)
    }
}
