import Testing
import TrainBellCore

/// The launcher props as a dock tells them apart.
@Suite struct LauncherEntryPropertiesTests {
    @Test(
        arguments: [
            (0.0, 0.0), (0.0004, 0.0), (0.0005, 0.001), (0.1234, 0.123), (0.9996, 1.0), (1.5, 1.0), (-0.2, 0.0),
            (Double.nan, 0.0), (Double.infinity, 1.0), (-Double.infinity, 0.0), (0.5, 0.5),
        ] as [(Double, Double)])
    func progressIsClampedAndRoundedToAThousandth(progress: Double, expected: Double) {
        let props = LauncherEntryProperties(progress: progress, progressVisible: true)
        #expect(props.normalized.progress == expected)
    }

    @Test func hiddenValuesDoNotCount() {
        let hidden = LauncherEntryProperties(progress: 0.7, progressVisible: false, count: 3, countVisible: false)
        #expect(hidden.normalized == .cleared)
        #expect(LauncherEntryProperties.cleared.normalized == .cleared)
        let urgent = LauncherEntryProperties(progress: 0.7, count: 3, urgent: true)
        #expect(urgent.normalized == LauncherEntryProperties(urgent: true))
    }

    @Test func clearedShowsNothing() {
        let cleared = LauncherEntryProperties.cleared
        #expect(!cleared.progressVisible && !cleared.countVisible && !cleared.urgent)
        #expect(cleared.description == "no progress, no count")
    }
}
