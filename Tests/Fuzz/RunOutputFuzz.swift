/// libFuzzer target for the output parser of `trainbell run -- CMD` (`TrainingOutputRecognizer` with
/// its `LineSplitter`, `ANSIStripper`, `ProgressBarLine`, `PythonTraceback`, `PythonWarning`,
/// `PythonLogDictionary` and `ErrorLineClassifier`), compiled together with the TrainBellCore sources:
///
///     swiftc -sanitize=fuzzer,address -parse-as-library -O Sources/TrainBellCore/*/*.swift \
///         Tests/Fuzz/RunOutputFuzz.swift -o .build-fuzz/run-output-fuzz
///
/// (`make fuzz`; `make test` runs it for a bounded time). The first byte of an input chooses how the
/// rest is cut into chunks, as a pipe or a pseudo-terminal would hand it over; the rest is the output.
/// A broken invariant stops the fuzzer with a message saying which.

@_cdecl("LLVMFuzzerTestOneInput")
public func runOutputFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let seed = input[0]
    let bytes = Array(input.dropFirst())

    // The whole output at once, and the same output in chunks of changing sizes (1 to 97 bytes).
    var whole = TrainingOutputRecognizer()
    let wholeObservations = whole.feed(bytes) + whole.finish()
    var chunked = TrainingOutputRecognizer()
    var chunkedObservations: [TrainingObservation] = []
    var state = UInt32(seed) &* 2_654_435_761 | 1
    var start = 0
    while start < bytes.count {
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        let end = min(bytes.count, start + 1 + Int(state % 97))
        chunkedObservations += chunked.feed(bytes[start..<end])
        start = end
    }
    chunkedObservations += chunked.finish()

    check(chunkedObservations == wholeObservations,
          "chunking changed what was recognized: \(chunkedObservations) against \(wholeObservations) in one piece")
    check(chunked.sawError == whole.sawError && chunked.recentLines == whole.recentLines,
          "chunking changed sawError or recentLines")

    var sawError = false
    for observation in wholeObservations {
        switch observation {
        case .progress(let current, let total):
            if let total { check(current <= total, "progress \(current) is beyond its total \(total)") }
        case .metrics(let metrics):
            check(!metrics.isEmpty, "empty metrics")
            // A log dict may name a metric '' (Python allows it): only the size is bounded.
            for key in metrics.keys { check(key.utf8.count <= maximumText, "metric name of \(key.utf8.count) bytes") }
        case .error(let type, let message, let details):
            sawError = true
            check(isErrorType(type), "error type '\(type)' would be refused by trainbelld (letters, digits, _ - ., at most 64 bytes)")
            check(!message.isEmpty, "an error without a message")
            check(message.utf8.count <= maximumText && details.utf8.count <= maximumText,
                  "an error of \(message.utf8.count) / \(details.utf8.count) bytes: the parser keeps at most 64 KiB of a traceback")
        case .warning(let message):
            check(!message.isEmpty && message.utf8.count <= maximumText, "a warning of \(message.utf8.count) bytes")
        }
    }
    check(sawError == whole.sawError, "sawError does not match the errors reported")
    check(whole.recentLines.count <= 10, "\(whole.recentLines.count) recent lines kept")
    for line in whole.recentLines { check(line.utf8.count <= 4 * 500 + 3, "a recent line of \(line.utf8.count) bytes") }

    // What `trainbell run` makes of the end of the process with these lines.
    for (status, signal) in [(Int32(0), Int32?.none), (1, nil), (137, 9), (139, 11), (130, nil), (1, 64)] {
        if let (type, message) = TrainingOutputRecognizer.classifyExit(
            status: status, signal: signal, lastStderrLines: whole.recentLines, sawError: whole.sawError) {
            check(isErrorType(type) && !message.isEmpty, "exit classified as '\(type)': '\(message)'")
        }
    }
    return 0
}

/// The most text one observation may carry: a traceback's 64 KiB and its last line, every byte of
/// which may be invalid UTF-8 that becomes U+FFFD (3 bytes).
let maximumText = 3 * (64 * 1024 + 4 * 1024)

/// What trainbelld accepts as `error_type` (`BusArguments.errorType`).
func isErrorType(_ type: String) -> Bool {
    !type.isEmpty && type.utf8.count <= 64 && type.utf8.allSatisfy {
        ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E
    }
}

func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("run output invariant broken: " + message()) }
}
