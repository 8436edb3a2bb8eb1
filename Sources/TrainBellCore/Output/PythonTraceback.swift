/// A Python traceback being read from the output, line by line, until it
/// ends; then it is one error.
///
/// ```
/// Traceback (most recent call last):
///   File "train.py", line 12, in <module>
///     trainer.train()
/// torch.OutOfMemoryError: CUDA out of memory. Tried to allocate …
/// ```
/// The exception line is the first line after the frames that is not
/// indented; lines that follow it continue its message (CUDA errors add
/// three), until a blank line, a line that is something else (a progress
/// bar, a log dict, a warning), another traceback, or
/// ``maximumLinesAfterException``. A chained exception (`During handling
/// of the above exception, another exception occurred:` / `The above
/// exception was the direct cause of the following exception:`) continues
/// the same traceback: one traceback, one error.
///
/// Only the exception lines and the lines after them are classified, never
/// the quoted source lines (`    if "CUDA out of memory" in str(e):`).
/// The kept text is bounded: the first ``headLineLimit`` lines, then the
/// last lines up to ``maximumLines`` and ``maximumBytes`` in all, each line
/// cut at ``maximumLineLength``.
struct PythonTraceback: Sendable {
    static let header = Array("Traceback (most recent call last):".utf8)
    static let maximumLines = 256
    static let maximumBytes = 64 * 1024
    static let maximumLineLength = 2 * 1024
    static let headLineLimit = 16
    static let maximumLinesAfterException = 32

    private static let chainSeparators: [[UInt8]] = [
        "During handling of the above exception, another exception occurred:",
        "The above exception was the direct cause of the following exception:",
    ].map { Array($0.utf8) }

    /// What the traceback expects next.
    private enum Phase: Sendable {
        /// Frames (`  File …` and source lines), up to the exception line.
        case frames
        /// The exception line has been read; its message may continue.
        case afterException
        /// A blank line after the exception: a chain separator may follow.
        case blankAfterException
        /// A chain separator has been read; a new header follows.
        case chained
    }

    /// What reading one line did.
    enum Reading: Sendable, Equatable {
        /// The line belongs to the traceback.
        case kept
        /// The line is other output printed amid the frames; the traceback goes on.
        case passed
        /// The traceback ended before this line, which is not part of it.
        case ended
    }

    /// The text before `Traceback` on the header line (a rank prefix such
    /// as `[rank0]: `), which the traceback's lines also start with.
    private(set) var prefix: [UInt8]
    private var phase = Phase.frames
    private var head: [String] = []
    private var tail: [String] = []
    private var tailBytes = 0
    private var omittedLines = 0
    private var keptBytes = 0
    private var bodyLines = 0
    private var linesAfterException = 0
    private var exceptionLine: String?
    private var exceptionType: String?
    private var firstErrorType: String?

    /// A traceback whose header line is `line`, with `Traceback` at `headerStart`.
    init(line: [UInt8], headerStart: Int) {
        prefix = Array(line[..<headerStart])
        keep(Array(line[headerStart...]))
    }

    /// Whether the traceback's prefix is only a guess: a header printed
    /// right after other text (`…41.2it/s]Traceback (most recent call
    /// last):`) whose frames then come without it.
    var hasUncertainPrefix: Bool { !prefix.isEmpty && bodyLines == 0 }

    /// Drops the prefix (see ``hasUncertainPrefix``).
    mutating func forgetPrefix() { prefix = [] }

    /// Reads `line` (without the prefix). `isOtherOutput` tells that the
    /// line is a progress bar, a log dict or a warning.
    mutating func read(_ line: [UInt8], isOtherOutput: Bool) -> Reading {
        let isBlank = line.trimmingSpaces.isEmpty
        let isIndented = line.first == 0x20 || line.first == 0x09
        switch phase {
        case .frames:
            if isOtherOutput { return .passed }
            if line.contains(Self.header) { return .ended }  // this one was cut short
            bodyLines += 1
            if isBlank { return .kept }
            keep(line)
            if !isIndented {
                readException(line)
            }
            return .kept
        case .afterException:
            if isOtherOutput || line.contains(Self.header) { return .ended }
            if isBlank {
                phase = .blankAfterException
                return .kept
            }
            if isChainSeparator(line) {
                keep(line)
                phase = .chained
                return .kept
            }
            guard linesAfterException < Self.maximumLinesAfterException else { return .ended }
            linesAfterException += 1
            keep(line)
            classify(line, asException: false)
            return .kept
        case .blankAfterException:
            if isBlank { return .kept }
            guard isChainSeparator(line) else { return .ended }
            keep([])
            keep(line)
            phase = .chained
            return .kept
        case .chained:
            if isBlank { return .kept }
            guard line.firstIndex(of: Self.header).map({ line[..<$0].trimmingSpaces.isEmpty }) == true else {
                return .ended
            }
            keep([])
            keep(line)
            phase = .frames
            return .kept
        }
    }

    /// Whether the traceback was an interruption by the user (`KeyboardInterrupt`).
    var isKeyboardInterrupt: Bool {
        exceptionLine.map { $0.hasPrefix("KeyboardInterrupt") } ?? false
    }

    /// The error this traceback reports: the type of its last exception
    /// line if that has one, else the first type found in it (a chained
    /// out-of-memory error), else `training_error`.
    var observation: TrainingObservation {
        let type = exceptionType ?? firstErrorType ?? "training_error"
        let message = exceptionLine ?? (tail.last ?? head.last ?? "").trimmingWhitespace.description
        return .error(type: type, message: message, details: details)
    }

    /// The kept text.
    var details: String {
        var lines = head
        if omittedLines > 0 {
            lines.append("… \(omittedLines) more lines …")
        }
        lines.append(contentsOf: tail)
        return lines.joined(separator: "\n")
    }

    // MARK: Private

    private mutating func readException(_ line: [UInt8]) {
        exceptionLine = Self.shortened(Array(line.trimmingSpaces))
        exceptionType = nil
        classify(line, asException: true)
        phase = .afterException
        linesAfterException = 0
    }

    private mutating func classify(_ line: [UInt8], asException: Bool) {
        let lowercased = line.asciiLowercased
        let type =
            asException
            ? ErrorLineClassifier.errorType(exceptionLine: lowercased)
            : ErrorLineClassifier.errorType(lowercased: lowercased)
        guard let type else { return }
        if firstErrorType == nil { firstErrorType = type }
        if exceptionType == nil { exceptionType = type }
    }

    private func isChainSeparator(_ line: [UInt8]) -> Bool {
        let trimmed = Array(line.trimmingSpaces)
        return Self.chainSeparators.contains { trimmed == $0 }
    }

    /// The text of a line, cut at ``maximumLineLength`` bytes.
    private static func shortened(_ bytes: [UInt8]) -> String {
        bytes.count > maximumLineLength ? Array(bytes.prefix(maximumLineLength)).text + "…" : bytes.text
    }

    private mutating func keep(_ bytes: [UInt8]) {
        let line = Self.shortened(bytes)
        let size = line.utf8.count + 1
        if head.count < Self.headLineLimit && tail.isEmpty && omittedLines == 0 {
            head.append(line)
            keptBytes += size
            return
        }
        tail.append(line)
        tailBytes += size
        while !tail.isEmpty,
            head.count + tail.count > Self.maximumLines || keptBytes + tailBytes > Self.maximumBytes
        {
            tailBytes -= tail.removeFirst().utf8.count + 1
            omittedLines += 1
        }
    }
}
