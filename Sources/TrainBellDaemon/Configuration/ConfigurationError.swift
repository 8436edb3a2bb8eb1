/// A configuration file that trainbell does not accept: where (file and
/// line) and what was wrong, with what is accepted.
///
/// The daemon logs it as it is and keeps its last good configuration.
struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file, as the caller named it.
    let source: String
    /// The 1-based line of the problem; nil only when the file could not be
    /// read at all.
    let line: Int?
    /// What was wrong and what is accepted, e.g. `[milestones] percentages:
    /// 150 is out of range; accepted: whole numbers 1 to 100 separated by ';'`.
    let message: String

    /// Creates an error.
    init(source: String, line: Int?, message: String) {
        self.source = source
        self.line = line
        self.message = message
    }

    /// `file:line: message`, the form compilers and editors understand.
    var description: String {
        if let line { "\(source):\(line): \(message)" } else { "\(source): \(message)" }
    }
}
