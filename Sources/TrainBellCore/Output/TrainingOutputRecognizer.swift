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

    private let screen = LineScreen()
    private var recent = RecentLineRing(limit: recentLineLimit, lineLength: recentLineLength)
    /// Ordinary lines of the chunk being read, not yet copied into `recent`.
    private var uncopiedLines = LatestRanges(limit: recentLineLimit)
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
        while let next = splitter.next(in: bytes, from: &index, into: &line) {
            switch next {
            case .within(let range, let marks):
                let raw = UnsafeBufferPointer(rebasing: bytes[range])
                switch screening(raw, marks: marks) {
                case .ordinary(let text):
                    // Copied only if it is still among the last lines when the run of them ends.
                    if !text.isEmpty { uncopiedLines.append((range.lowerBound + text.lowerBound)..<(range.lowerBound + text.upperBound)) }
                case .worthReading(let verdict):
                    copyUncopiedLines(of: bytes)
                    process(Array(raw), cursorUpMoves: 0, verdict: verdict)
                case .withControlBytes:
                    copyUncopiedLines(of: bytes)
                    process(stripping: raw, isCut: false)
                }
            case .kept(let isCut):
                copyUncopiedLines(of: bytes)
                line.withUnsafeBufferPointer { process($0, isCut: isCut) }
            }
        }
        copyUncopiedLines(of: bytes)
        swap(&line, &spareLine)
    }

    private mutating func copyUncopiedLines(of bytes: UnsafeBufferPointer<UInt8>) {
        guard !uncopiedLines.isEmpty else { return }
        uncopiedLines.removeAll { range in recent.remember(bytes[range]) }
    }

    /// Ends the stream: reads a last line without a line break and ends
    /// any traceback still being read.
    public mutating func finish() -> [TrainingObservation] {
        var line: [UInt8] = []
        if let isCut = splitter.finish(into: &line) {
            line.withUnsafeBufferPointer { process($0, isCut: isCut) }
        }
        for traceback in tracebacks {
            report(traceback)
        }
        tracebacks.removeAll()
        return takePending()
    }

    // MARK: Lines

    /// What a first look at a raw line found.
    private enum Screening {
        /// An ordinary line of text: no bar, dict, warning, traceback, error or epoch in it. The
        /// range of it without spaces at either end.
        case ordinary(Range<Int>)
        /// Something to read, as the screen judged it.
        case worthReading(LineScreen.Verdict)
        /// Escape sequences or other control bytes: to strip first.
        case withControlBytes
    }

    /// `marks`: what ``LineSplitter`` saw in `raw` on its way, if it was the one that found it.
    private mutating func screening(_ raw: UnsafeBufferPointer<UInt8>, marks: LineSplitter.Marks? = nil) -> Screening {
        guard !(marks?.hasControlBytes ?? ANSIStripper.hasControlBytes(raw)) else { return .withControlBytes }
        let verdict = screen.screen(raw, mayHoldBracket: marks?.mayHoldBracket ?? true)
        if !verdict.mayHoldPhrase, !verdict.hasMeterBracket, tracebacks.isEmpty, !Self.mayBeKerasDictOrEpoch(raw) {
            let trimmed = Self.trimmingSpaces(raw)
            return .ordinary(trimmed.startIndex..<trimmed.endIndex)
        }
        return .worthReading(verdict)
    }

    /// Reads one line of raw output (without its break).
    private mutating func process(_ raw: UnsafeBufferPointer<UInt8>, isCut: Bool) {
        guard isCut else {
            switch screening(raw) {
            case .ordinary(let text):
                if !text.isEmpty { recent.remember(raw[text]) }
            case .worthReading(let verdict):
                process(Array(raw), cursorUpMoves: 0, verdict: verdict)
            case .withControlBytes:
                process(stripping: raw, isCut: false)
            }
            return
        }
        process(stripping: raw, isCut: true)
    }

    /// Reads one line of raw output with its escape sequences removed.
    private mutating func process(stripping raw: UnsafeBufferPointer<UInt8>, isCut: Bool) {
        let stripped = ANSIStripper.strip(Array(raw))
        guard !isCut else {
            // Too long to be anything the recognizer reads; still what the user saw last.
            rememberRecent(stripped.text)
            return
        }
        let verdict = screen.screen(stripped.text)
        process(stripped.text, cursorUpMoves: stripped.cursorUpMoves, verdict: verdict)
    }

    /// Reads one line without escape sequences, as ``LineScreen`` judged it.
    private mutating func process(_ line: [UInt8], cursorUpMoves: Int, verdict: LineScreen.Verdict) {
        if !verdict.mayHoldPhrase, !verdict.hasMeterBracket, tracebacks.isEmpty,
            !line.withUnsafeBufferPointer({ Self.mayBeKerasDictOrEpoch($0) })
        {
            rememberRecent(line)
            return
        }
        // Whether there is a bar is asked once: each test of an optional struct copies it.
        let bar = ProgressBarLine(line, mayBeTqdm: verdict.hasMeterBracket)
        let isBar = bar != nil
        let dictionary = isBar ? nil : PythonLogDictionary(line)
        let isDictionary = dictionary != nil
        let warning = !isBar && !isDictionary && verdict.mayHoldPhrase ? PythonWarning(line) : nil
        let isWarning = warning != nil
        if !isBar { rememberRecent(line) }
        if !tracebacks.isEmpty, readIntoTraceback(line, isOtherOutput: isBar || isDictionary || isWarning) {
            return
        }
        if let bar {
            handle(bar, isNested: cursorUpMoves > 0)
        }
        if verdict.mayHoldPhrase, let headerStart = line.firstIndex(of: PythonTraceback.header) {
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
        } else if !isBar {
            readEpochHeader(line)
        }
        if verdict.mayHoldPhrase, !isDictionary, !isWarning,
            let type = ErrorLineClassifier.errorType(lowercased: line.asciiLowercased)
        {
            let message = Self.message(line)
            reportOnce(type: type, message: message, details: message)
        }
    }

    /// Whether `line` may be a Keras bar (a digit first), a log dict (`}` last) or Keras's
    /// `Epoch k/N`: what the recognizer reads in a line that ``LineScreen`` passes nothing in.
    static func mayBeKerasDictOrEpoch(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        let trimmed = trimmingSpaces(line)
        guard let last = trimmed.last else { return false }
        if last == UInt8(ascii: "}") || trimmed.starts(with: epochWord) { return true }
        // Keras: spaces, digits, a slash.
        var index = 0
        while index < line.count, line[index] == 0x20 { index += 1 }
        let digits = index
        while index < line.count, line[index].isASCIIDigit { index += 1 }
        return index > digits && index < line.count && line[index] == UInt8(ascii: "/")
    }

    /// `bytes` without spaces and tabs at either end.
    static func trimmingSpaces(_ bytes: UnsafeBufferPointer<UInt8>) -> Slice<UnsafeBufferPointer<UInt8>> {
        bytes.trimmingSpaces
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
