/// Recognizes what a training prints — progress bars, logged metrics,
/// errors and warnings — in the raw bytes of its stdout or stderr, for
/// `trainbell run -- CMD`.
///
/// Feed it the bytes as they come, in chunks of any size: lines, UTF-8
/// sequences and escape sequences may be split anywhere. Lines end at `\n`
/// and at `\r` (progress bars redraw with `\r`); terminal escape sequences
/// are removed. The observations are the same however the bytes are
/// chunked. Use one recognizer per stream (stdout and stderr each, or one
/// for a pseudo-terminal that merges them), and call ``finish()`` at the
/// end of the stream.
///
/// Pure and bounded: no I/O, no clock; a traceback is kept up to 256
/// lines / 64 KiB, and at most 256 warning texts are remembered for
/// de-duplication.
///
/// Cheap per byte: each byte is looked at once to find the line breaks and
/// once by ``LineScreen``; only the lines the screen passes are parsed. A
/// line longer than ``LineSplitter/maximumLineLength`` (8 KiB) is too long
/// to be a progress bar, a log dict, a warning or a traceback line: it is
/// not read at all (its first bytes are kept among ``recentLines``), and
/// the rest of it is only scanned for its end.
///
/// - Progress: see ``handle(_:isNested:)`` for which bar counts when
///   several are drawn.
/// - Errors: one Python traceback is one error (``PythonTraceback``);
///   other lines are classified by ``ErrorLineClassifier``, each error type
///   reported once; NaN/Inf losses in log dicts, tqdm postfixes and Keras
///   metrics are `loss_divergence` (once).
/// - Warnings: ``PythonWarning`` lines, once per text.
public struct TrainingOutputRecognizer: Sendable {
    /// How many recent lines ``recentLines`` keeps.
    static let recentLineLimit = 10
    /// The most bytes kept of each recent line.
    static let recentLineLength = 500
    /// The most tracebacks read at once (one per rank prefix).
    static let maximumOpenTracebacks = 8
    /// The most bytes of a line used as an error message.
    static let maximumMessageLength = 1_000

    var splitter = LineSplitter()
    /// The storage the splitter hands lines over in (reused).
    private var spareLine: [UInt8] = []
    private var pending: [TrainingObservation] = []
    private var tracebacks: [PythonTraceback] = []
    private var warnings = WarningDeduplicator()
    private var reportedErrorTypes: Set<String> = []
    var progress = ProgressState()
    var nonFiniteGradientNorms = 0

    /// Whether an error has been reported (pass it to ``classifyExit(status:signal:lastStderrLines:sawError:)``).
    public private(set) var sawError = false

    private var recent = RecentLineRing(limit: recentLineLimit, lineLength: recentLineLength)
    /// Descriptions of bars last found (not) auxiliary, so a redraw need not read them again.
    var auxiliaryDescriptions: (auxiliary: String?, training: String?) = (nil, nil)

    /// The last lines of text that were not progress bars, oldest first
    /// (for ``classifyExit(status:signal:lastStderrLines:sawError:)``).
    public var recentLines: [String] { recent.lines }

    /// A recognizer that has seen nothing yet.
    public init() {}

    /// Reads the next bytes of the stream; returns what they completed.
    public mutating func feed(_ bytes: some Collection<UInt8>) -> [TrainingObservation] {
        let done: Void? = bytes.withContiguousStorageIfAvailable { read($0) }
        if done == nil {
            Array(bytes).withUnsafeBufferPointer { read($0) }
        }
        return takePending()
    }

    private mutating func read(_ bytes: UnsafeBufferPointer<UInt8>) {
        var line: [UInt8] = []
        swap(&line, &spareLine)
        var index = 0
        while let isCut = splitter.nextLine(in: bytes, from: &index, into: &line) {
            process(line, isCut: isCut)
        }
        swap(&line, &spareLine)
    }

    /// Ends the stream: reads a last line without a line break and ends
    /// any traceback still being read.
    public mutating func finish() -> [TrainingObservation] {
        var line: [UInt8] = []
        if let isCut = splitter.finish(into: &line) {
            process(line, isCut: isCut)
        }
        for traceback in tracebacks {
            report(traceback)
        }
        tracebacks.removeAll()
        return takePending()
    }

    // MARK: Lines

    private mutating func process(_ raw: [UInt8], isCut: Bool) {
        let stripped = ANSIStripper.strip(raw)
        let line = stripped.text
        guard !isCut else {
            // Too long to be anything the recognizer reads; still what the user saw last.
            rememberRecent(line)
            return
        }
        let screen = LineScreen(line)
        let bar = ProgressBarLine(line, mayBeTqdm: screen.hasMeterBracket)
        let dictionary = bar == nil ? PythonLogDictionary(line) : nil
        let warning = bar == nil && dictionary == nil && screen.mayHoldPhrase ? PythonWarning(line) : nil
        if bar == nil { rememberRecent(line) }
        if readIntoTraceback(line, isOtherOutput: bar != nil || dictionary != nil || warning != nil) {
            return
        }
        if let bar {
            handle(bar, isNested: stripped.cursorUpMoves > 0)
        }
        if screen.mayHoldPhrase, let headerStart = line.firstIndex(of: PythonTraceback.header) {
            if tracebacks.count >= Self.maximumOpenTracebacks {
                report(tracebacks.removeFirst())
            }
            tracebacks.append(PythonTraceback(line: line, headerStart: headerStart))
            return
        }
        if let dictionary {
            handle(dictionary, line: line)
        } else if let warning {
            if warnings.isNew(warning.message) {
                pending.append(.warning(message: warning.message))
            }
        } else if bar == nil {
            readEpochHeader(line)
        }
        if screen.mayHoldPhrase, dictionary == nil, warning == nil,
            let type = ErrorLineClassifier.errorType(lowercased: line.asciiLowercased)
        {
            let message = Self.message(line)
            reportOnce(type: type, message: message, details: message)
        }
    }

    /// Gives `line` to the traceback it belongs to, if any; whether it was
    /// taken. A traceback that ends is reported.
    private mutating func readIntoTraceback(_ line: [UInt8], isOtherOutput: Bool) -> Bool {
        while !tracebacks.isEmpty {
            var target = tracebacks.lastIndex { !$0.prefix.isEmpty && line.hasPrefix($0.prefix) }
            if target == nil {
                target = tracebacks.lastIndex { $0.prefix.isEmpty }
            }
            if target == nil, line.hasPrefix(Array("  File ".utf8)),
                let guessed = tracebacks.lastIndex(where: \.hasUncertainPrefix)
            {
                tracebacks[guessed].forgetPrefix()
                target = guessed
            }
            guard let index = target else { return false }
            let body = Array(line[tracebacks[index].prefix.count...])
            switch tracebacks[index].read(body, isOtherOutput: isOtherOutput) {
            case .kept:
                return true
            case .passed:
                return false
            case .ended:
                report(tracebacks.remove(at: index))
            }
        }
        return false
    }

    private mutating func rememberRecent(_ line: [UInt8]) {
        let trimmed = line.trimmingSpaces
        guard !trimmed.isEmpty else { return }
        recent.remember(trimmed)
    }

    // MARK: Reporting

    private mutating func takePending() -> [TrainingObservation] {
        defer { pending.removeAll() }
        return pending
    }

    mutating func emit(_ observation: TrainingObservation) {
        if case .error(let type, _, _) = observation {
            sawError = true
            reportedErrorTypes.insert(type)
        }
        pending.append(observation)
    }

    /// Reports an error unless one of its type has been reported already.
    mutating func reportOnce(type: String, message: String, details: String) {
        guard !reportedErrorTypes.contains(type) else { return }
        emit(.error(type: type, message: message, details: details))
    }

    private mutating func report(_ traceback: PythonTraceback) {
        guard !traceback.isKeyboardInterrupt else { return }
        emit(traceback.observation)
    }

    /// A line as an error message: trimmed and shortened.
    static func message(_ line: [UInt8]) -> String {
        let trimmed = line.trimmingSpaces
        return trimmed.count > maximumMessageLength
            ? Array(trimmed.prefix(maximumMessageLength)).text + "…" : trimmed.text
    }
}
