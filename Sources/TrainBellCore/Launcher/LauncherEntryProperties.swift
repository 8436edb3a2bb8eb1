/// What one app's launcher icon shows: the properties of a Unity
/// `com.canonical.Unity.LauncherEntry.Update` signal (`progress` d,
/// `progress-visible` b, `count` x, `count-visible` b, `urgent` b).
///
/// A value: ``LauncherState`` computes it, ``LauncherCoalescer`` decides when
/// it is sent, the desktop layer turns it into an `a{sv}`.
public struct LauncherEntryProperties: Sendable, Hashable, CustomStringConvertible {
    /// The progress bar's fill, in 0...1.
    public var progress: Double
    /// Whether the progress bar is drawn.
    public var progressVisible: Bool
    /// The number on the badge.
    public var count: Int64
    /// Whether the badge is drawn.
    public var countVisible: Bool
    /// Whether the icon asks for attention (the completion flash, an error).
    public var urgent: Bool

    /// Creates properties; the defaults show nothing.
    public init(
        progress: Double = 0, progressVisible: Bool = false, count: Int64 = 0, countVisible: Bool = false,
        urgent: Bool = false
    ) {
        self.progress = progress
        self.progressVisible = progressVisible
        self.count = count
        self.countVisible = countVisible
        self.urgent = urgent
    }

    /// Nothing shown: the explicit clear sent when an app's last job ends
    /// (every flag false), so a dock does not keep a stale bar.
    public static let cleared = LauncherEntryProperties()

    /// Progress values are told apart to this many steps of the bar (0.1%):
    /// below a device pixel on any dock icon (Plasma, Dash to Dock, Plank
    /// draw bars of at most a few hundred pixels), and coarse enough that a
    /// trainer reporting every step does not produce a new state per step.
    public static let progressSteps: Double = 1_000

    /// The properties as a dock tells them apart, and as they are sent:
    /// progress clamped to 0...1 (NaN as 0) and rounded to 1/``progressSteps``;
    /// a hidden bar has progress 0 and a hidden badge count 0.
    public var normalized: LauncherEntryProperties {
        var result = self
        if progressVisible {
            let clamped = progress.isNaN ? 0 : min(max(progress, 0), 1)
            result.progress = (clamped * Self.progressSteps).rounded() / Self.progressSteps
        } else {
            result.progress = 0
        }
        if !countVisible {
            result.count = 0
        }
        return result
    }

    public var description: String {
        let bar = progressVisible ? "progress \(progress)" : "no progress"
        let badge = countVisible ? "count \(count)" : "no count"
        return "\(bar), \(badge)\(urgent ? ", urgent" : "")"
    }
}
