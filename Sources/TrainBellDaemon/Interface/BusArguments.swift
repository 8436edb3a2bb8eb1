import DBus
import TrainBellCore

/// Validation of what callers send, with errors that name the argument and what is accepted.
enum BusArguments {
    /// Titles and summaries longer than this are cut (with "…"): they are one line on screen.
    static let maximumTitleCharacters = 1024

    static func jobID(_ text: String, argument: String = "id") throws(TrainBellError) -> JobID {
        do { return try JobID(text) } catch { throw TrainBellError.from(error, argument: argument) }
    }

    /// A desktop entry id (`app-id`, `SetProgress`'s `app_id`): a file name, so 1 to 255 bytes, no
    /// `/`, no control characters; with or without `.desktop`.
    static func appID(_ text: String, argument: String) throws(TrainBellError) -> String {
        guard !text.isEmpty, text.utf8.count <= 255,
            !text.unicodeScalars.contains(where: { $0 == "/" || $0.value < 0x20 || $0.value == 0x7f })
        else {
            throw .invalidArgument("\(argument) '\(printable(String(text.prefix(64))))\(text.count > 64 ? "…" : "")' is not accepted: a desktop entry id such as org.gnome.Terminal (with or without .desktop), 1 to 255 bytes, no '/' or control characters")
        }
        return text
    }

    /// An icon: a theme icon name or a file path, at most 4,096 bytes (PATH_MAX).
    static func icon(_ text: String, argument: String) throws(TrainBellError) -> String {
        guard text.utf8.count <= 4_096, !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw .invalidArgument("\(argument) is not accepted: an icon name (dialog-information) or a file path, at most 4,096 bytes, without control characters (got \(text.utf8.count) bytes)")
        }
        return text
    }

    /// A host name as a remote job names where it runs: 1 to 64 letters, digits, '.', '-' or '_',
    /// starting with a letter or a digit (what `hostname` prints).
    static func checkHostName(_ text: String) throws(TrainBellError) {
        func isAlphanumeric(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) }
        let bytes = Array(text.utf8)
        guard (1...64).contains(bytes.count), isAlphanumeric(bytes[0]),
              bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }) else {
            throw .invalidArgument("host '\(printable(text))' is not accepted: a host name of 1 to 64 letters, digits, '.', '-' or '_', starting with a letter or a digit (e.g. gpu-07)")
        }
    }

    /// Messages longer than the history keeps (1 MiB) are cut at the door, with the same marker, so
    /// no reply or property built from them can outgrow what the bus carries.
    static func message(_ text: String) -> String {
        HistoryStore.storedMessage(text)
    }

    static func title(_ text: String) -> String {
        guard text.count > maximumTitleCharacters else { return text }
        return String(text.prefix(maximumTitleCharacters - 1)) + "…"
    }

    /// An error type: letters, digits, `_ - .`, at most 64 bytes; "" becomes `training_error`.
    static func errorType(_ text: String) throws(TrainBellError) -> String {
        if text.isEmpty { return "training_error" }
        let ok = text.utf8.count <= 64 && text.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
                || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E
        }
        guard ok else {
            throw .invalidArgument("error_type '\(printable(text))' is not accepted: use up to 64 letters, digits, '_', '-' or '.' (such as oom_error, cuda_error, loss_divergence)")
        }
        return text
    }

    /// "" = from the error type; otherwise low/normal/high/critical (any case) or 0/1/2.
    static func urgency(_ text: String, argument: String = "urgency") throws(TrainBellError) -> Urgency? {
        if text.isEmpty { return nil }
        guard let u = Urgency(lenient: text) else {
            throw .invalidArgument("\(argument) '\(printable(text))' is not accepted: use \(Urgency.acceptedSpellings), or \"\" for the error type's own")
        }
        return u
    }

    /// A short, printable rendering of caller text for error messages.
    static func printable(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) })
        return cleaned.count > 80 ? String(cleaned.prefix(79)) + "…" : cleaned
    }
}

/// Reads an `a{sv}` options map: unknown keys are ignored, known keys of the wrong type are an error
/// naming the key and the expected type.
struct OptionMap {
    let entries: [String: DBusValue]

    init(_ value: DBusValue) {
        entries = value.stringKeyedEntries?.mapValues(\.unwrapped) ?? [:]
    }

    init(_ options: [String: DBusValue]) {
        entries = options.mapValues(\.unwrapped)
    }

    func string(_ key: String) throws(TrainBellError) -> String? {
        guard let v = entries[key] else { return nil }
        guard case .string(let s) = v else { throw mismatch(key, "s (string)", v) }
        return s
    }

    func bool(_ key: String) throws(TrainBellError) -> Bool? {
        guard let v = entries[key] else { return nil }
        guard case .boolean(let b) = v else { throw mismatch(key, "b (boolean)", v) }
        return b
    }

    /// Any integer type that fits, for peers that send `u` where `i` is meant and the reverse.
    func integer(_ key: String, in range: ClosedRange<Int64>, expected: String) throws(TrainBellError) -> Int64? {
        guard let v = entries[key] else { return nil }
        guard let n = v.integerValue else { throw mismatch(key, expected, v) }
        guard range.contains(n) else {
            throw .invalidArgument("option '\(key)' is \(n), accepted: \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    func integers(_ key: String) throws(TrainBellError) -> [Int64]? {
        guard let v = entries[key] else { return nil }
        guard let items = v.arrayItems, let numbers = Optional(items.compactMap(\.integerValue)),
              numbers.count == items.count else { throw mismatch(key, "au (array of integers)", v) }
        return numbers
    }

    func strings(_ key: String) throws(TrainBellError) -> [String]? {
        guard let v = entries[key] else { return nil }
        guard case .array(.string, let items) = v else { throw mismatch(key, "as (array of strings)", v) }
        return items.compactMap(\.stringValue)
    }

    func dictionary(_ key: String) throws(TrainBellError) -> [String: DBusValue]? {
        guard let v = entries[key] else { return nil }
        guard case .dictionary(.string, .variant, _) = v, let d = v.stringKeyedEntries else {
            throw mismatch(key, "a{sv}", v)
        }
        return d
    }

    private func mismatch(_ key: String, _ expected: String, _ got: DBusValue) -> TrainBellError {
        .invalidArgument("option '\(key)' must be of type \(expected), got '\(got.type.signature)'")
    }
}
