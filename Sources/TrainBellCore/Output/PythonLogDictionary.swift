/// The numbers of a Python dict printed on one line, as the Hugging Face
/// Trainer and Accelerate log them: `{'loss': 0.41, 'grad_norm': 1.3,
/// 'learning_rate': 2e-05, 'epoch': 1.2}` (transformers 4.x) or with the
/// numbers quoted, `{'loss': '0.41', …}` (transformers 5.x).
///
/// Values may be numbers, `nan`, `inf`, `-inf`, quoted numbers, numpy
/// scalars (`np.float64(0.41)`) or tensors (`tensor(0.41, device='cuda:0')`);
/// other values are left out. A dict counts only when one of its keys is
/// a training metric (a loss, `epoch`, `learning_rate`, `grad_norm`, …),
/// so a configuration dict printed at start-up is not taken for metrics.
struct PythonLogDictionary: Sendable {
    /// The numeric entries, in the order printed.
    var entries: [(key: String, value: Double)]

    /// The dict that `line` (without escape sequences) consists of, if any;
    /// text before the opening brace (a rank prefix) is allowed.
    init?(_ line: [UInt8]) {
        let trimmed = line.trimmingSpaces
        guard trimmed.last == UInt8(ascii: "}"), let open = trimmed.firstIndex(of: UInt8(ascii: "{")) else {
            return nil
        }
        var parser = Parser(bytes: trimmed[(open + 1)..<(trimmed.endIndex - 1)])
        guard let entries = parser.entries(), entries.contains(where: { Self.isMetricKey($0.key) }) else {
            return nil
        }
        self.entries = entries
    }

    /// Whether a key names something a training logs.
    /// ASCII letter case ignored.
    static func isMetricKey(_ key: String) -> Bool {
        let key = Array(key.utf8).asciiLowercased
        return metricKeyParts.contains { key.contains($0) } || metricKeys.contains(key)
            || metricKeyPrefixes.contains { key.hasPrefix($0) }
    }

    private static let metricKeyParts = ["loss", "learning_rate", "grad_norm"].map { Array($0.utf8) }
    private static let metricKeys: Set<[UInt8]> = Set(["epoch", "lr", "step"].map { Array($0.utf8) })
    private static let metricKeyPrefixes = ["eval_", "train_", "test_"].map { Array($0.utf8) }

    /// A reader of `'key': value, …` (the inside of the braces).
    private struct Parser {
        var bytes: ArraySlice<UInt8>
        var index: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            self.index = bytes.startIndex
        }

        mutating func entries() -> [(key: String, value: Double)]? {
            var entries: [(key: String, value: Double)] = []
            skipSpaces()
            while index < bytes.endIndex {
                guard let key = quoted() else { return nil }
                skipSpaces()
                guard index < bytes.endIndex, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                skipSpaces()
                guard let value = value() else { return nil }
                if let number = value { entries.append((key, number)) }
                skipSpaces()
                if index < bytes.endIndex {
                    guard bytes[index] == UInt8(ascii: ",") else { return nil }
                    index += 1
                    skipSpaces()
                }
            }
            return entries
        }

        /// A value: `.some(number)`, `.some(nil)` for a non-numeric one,
        /// nil when the text is not a value.
        private mutating func value() -> Double?? {
            guard index < bytes.endIndex else { return nil }
            if bytes[index] == UInt8(ascii: "'") || bytes[index] == UInt8(ascii: "\"") {
                guard let text = quotedRange() else { return nil }
                return .some(Self.number(bytes[text]))
            }
            let start = index
            var depth = 0
            while index < bytes.endIndex {
                let byte = bytes[index]
                if byte == UInt8(ascii: "(") || byte == UInt8(ascii: "[") {
                    depth += 1
                } else if byte == UInt8(ascii: ")") || byte == UInt8(ascii: "]") {
                    depth -= 1
                } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                    let quote = byte
                    index += 1
                    while index < bytes.endIndex, bytes[index] != quote { index += 1 }
                } else if byte == UInt8(ascii: ","), depth <= 0 {
                    break
                }
                index += 1
            }
            let token = bytes[start..<Swift.min(index, bytes.endIndex)].trimmingSpaces
            guard !token.isEmpty else { return nil }
            return .some(Self.number(token))
        }

        /// `'text'` or `"text"` (keys and quoted values have no escapes).
        private mutating func quoted() -> String? {
            quotedRange().map { bytes[$0].text }
        }

        /// Where the text of `'text'` or `"text"` is.
        private mutating func quotedRange() -> Range<Int>? {
            guard index < bytes.endIndex else { return nil }
            let quote = bytes[index]
            guard quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else { return nil }
            let start = index + 1
            var end = start
            while end < bytes.endIndex, bytes[end] != quote { end += 1 }
            guard end < bytes.endIndex else { return nil }
            index = end + 1
            return start..<end
        }

        private mutating func skipSpaces() {
            while index < bytes.endIndex, bytes[index] == 0x20 { index += 1 }
        }

        /// The number a value's text stands for: `0.41`, `nan`, `-inf`,
        /// `np.float64(0.41)`, `tensor(0.41, device='cuda:0')`.
        static func number(_ text: ArraySlice<UInt8>) -> Double? {
            var text = text
            if text.last == UInt8(ascii: ")"), let open = text.firstIndex(of: UInt8(ascii: "(")) {
                let name = text[..<open]
                guard wrappers.contains(where: { name.starts(with: $0) }) || name.elementsEqual(tensor) else { return nil }
                text = text[(open + 1)..<(text.endIndex - 1)]
                if let comma = text.firstIndex(of: UInt8(ascii: ",")) { text = text[..<comma] }
            }
            return Double(pythonBytes: text)
        }

        /// The calls a number may be wrapped in: numpy's scalars (by prefix), a tensor.
        private static let wrappers = ["np.float", "numpy.float", "np.int"].map { Array($0.utf8) }
        private static let tensor = Array("tensor".utf8)
    }
}
