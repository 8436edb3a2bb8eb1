/// The life-cycle state of one training run; the raw value is the job
/// object's `State` property.
public enum JobState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Started and not yet ended.
    case running
    /// Reached 100% or ended with `CompleteJob`.
    case completed
    /// The last thing reported was an error.
    case failed
    /// Ended with `CancelJob`.
    case cancelled

    /// Whether the run has ended (completed or cancelled); a failed run may
    /// still report progress and so is not ended.
    public var isEnded: Bool { self == .completed || self == .cancelled }
}
