/// The error-type → urgency table (DESIGN section 4).
///
/// A type in the table gets the table's urgency whatever the trainer asked
/// for; any other type gets the urgency the trainer gave, else `normal`.
/// Error types match without regard to letter case or surrounding
/// white space (`OOM_Error` is `oom_error`).
public struct ErrorClassifier: Sendable, Hashable {
    /// The error types trainbell knows out of the box, most severe first.
    public static let knownErrorTypes: [String] = [
        "oom_error", "cuda_error", "system_crash",
        "loss_divergence", "gradient_explosion", "data_error",
    ]

    /// The table of the seed: out of memory, CUDA errors and crashes are
    /// critical; divergence, exploding gradients and data errors are high.
    public static let defaultTable: [String: Urgency] = [
        "oom_error": .critical,
        "cuda_error": .critical,
        "system_crash": .critical,
        "loss_divergence": .high,
        "gradient_explosion": .high,
        "data_error": .high,
    ]

    /// The classifier with ``defaultTable``.
    public static let standard = ErrorClassifier()

    /// The table in use, keyed by normalized error type.
    public private(set) var table: [String: Urgency]

    /// Creates a classifier that uses `table` instead of the default one.
    public init(table: [String: Urgency] = ErrorClassifier.defaultTable) {
        var normalized: [String: Urgency] = [:]
        for (type, urgency) in table {
            normalized[Self.normalize(type)] = urgency
        }
        self.table = normalized
    }

    /// Creates a classifier with the default table changed by `overrides`
    /// (added types, or known types with another urgency).
    public init(overriding overrides: [String: Urgency]) {
        self.init()
        for (type, urgency) in overrides {
            table[Self.normalize(type)] = urgency
        }
    }

    /// The error types in the table, most urgent first, then by name.
    public var errorTypes: [String] {
        table.keys.sorted { lhs, rhs in
            let (left, right) = (table[lhs] ?? .normal, table[rhs] ?? .normal)
            return left != right ? left > right : lhs < rhs
        }
    }

    /// The urgency of an error of `errorType` for which the trainer asked
    /// for `requested` (nil: no preference).
    public func urgency(forErrorType errorType: String, requested: Urgency? = nil) -> Urgency {
        table[Self.normalize(errorType)] ?? requested ?? .normal
    }

    /// The table key for an error type as a trainer spelled it.
    static func normalize(_ errorType: String) -> String {
        String(errorType.trimmingWhitespace).lowercased()
    }
}
