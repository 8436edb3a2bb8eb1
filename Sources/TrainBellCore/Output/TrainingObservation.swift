/// Something `trainbell run` recognized in the output of a training, as a
/// value for the CLI to report to the daemon.
///
/// Equality treats NaN metric values as equal to each other (a log line with
/// `'loss': nan` seen twice is the same observation twice), so the type is a
/// lawful `Hashable` although metrics may be NaN.
public enum TrainingObservation: Sendable, Hashable, CustomStringConvertible {
    /// A progress bar's position: `current` of `total` steps (`total` nil
    /// when the bar does not know it). `current` is never above `total`.
    case progress(current: UInt64, total: UInt64?)
    /// Numbers a trainer logged, such as a Hugging Face Trainer log dict
    /// (`{'loss': 0.41, 'learning_rate': 2e-05, 'epoch': 1.2}`) or the
    /// metrics at the end of a Keras epoch. Values may be NaN or infinite.
    case metrics([String: Double])
    /// An error: `type` is one of the error types of DESIGN section 4
    /// (`oom_error`, `cuda_error`, `loss_divergence`, `gradient_explosion`,
    /// `training_error`); `details` is the text behind it (the traceback).
    case error(type: String, message: String, details: String)
    /// A warning (`warnings.warn` output), reported once per text.
    case warning(message: String)

    public static func == (lhs: TrainingObservation, rhs: TrainingObservation) -> Bool {
        switch (lhs, rhs) {
        case (.progress(let a, let b), .progress(let c, let d)):
            return a == c && b == d
        case (.metrics(let left), .metrics(let right)):
            guard left.count == right.count else { return false }
            return left.allSatisfy { key, value in
                guard let other = right[key] else { return false }
                return value == other || (value.isNaN && other.isNaN)
            }
        case (.error(let type, let message, let details), .error(let otherType, let otherMessage, let otherDetails)):
            return type == otherType && message == otherMessage && details == otherDetails
        case (.warning(let message), .warning(let other)):
            return message == other
        default:
            return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .progress(let current, let total):
            hasher.combine(0)
            hasher.combine(current)
            hasher.combine(total)
        case .metrics(let metrics):
            hasher.combine(1)
            // Order-independent, with every NaN hashed alike.
            var combined = 0
            for (key, value) in metrics {
                var entry = Hasher()
                entry.combine(key)
                entry.combine(value.isNaN ? Double.nan.bitPattern : (value == 0 ? 0 : value.bitPattern))
                combined ^= entry.finalize()
            }
            hasher.combine(metrics.count)
            hasher.combine(combined)
        case .error(let type, let message, let details):
            hasher.combine(2)
            hasher.combine(type)
            hasher.combine(message)
            hasher.combine(details)
        case .warning(let message):
            hasher.combine(3)
            hasher.combine(message)
        }
    }

    public var description: String {
        switch self {
        case .progress(let current, let total):
            return "progress(\(current)/\(total.map(String.init) ?? "?"))"
        case .metrics(let metrics):
            let entries = metrics.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
            return "metrics(\(entries.joined(separator: ", ")))"
        case .error(let type, let message, _):
            return "error(\(type): \(message))"
        case .warning(let message):
            return "warning(\(message))"
        }
    }
}
