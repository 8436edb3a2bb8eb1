/// One drawing of a progress bar, read from a line of output.
///
/// Reads the bars of tqdm 4.x (also as drawn by the Hugging Face Trainer
/// and PyTorch Lightning), Keras 3 (`420/1000 ━━━━ 14s 41ms/step - loss: …`)
/// and Keras 2 / tf.keras (`420/1000 [=====>....] - ETA: 14s - loss: …`).
struct ProgressBarLine: Sendable, Equatable {
    /// The program whose bar this is.
    enum Style: Sendable, Equatable {
        /// tqdm: `desc: 42%|████▏     | 420/1000 [00:10<00:14, 41.2it/s, postfix]`.
        case tqdm
        /// Keras's progress bar (the `Epoch k/N` line before it counts epochs).
        case keras
    }

    var style: Style
    /// The text before the bar (tqdm's `desc`), without its colon.
    var description: String
    /// The position; may be above `total` (tqdm allows it).
    var current: UInt64
    /// The length of the bar, nil when unknown (`420it [00:10, 41.2it/s]`).
    var total: UInt64?
    /// tqdm's rate (`41.2it/s`, `2.50s/it`, `98.1MB/s`); empty for Keras.
    var rate: [UInt8]
    /// What follows the bar: tqdm's postfix (`v_num=0, train_loss=0.41`) or
    /// Keras's `14s 41ms/step - loss: 0.4100`.
    var trailer: [UInt8]

    /// The bar drawn in `line` (without escape sequences), if there is one.
    /// `mayBeTqdm` false says the line has no `" ["` (see ``LineScreen``).
    init?(_ line: [UInt8], mayBeTqdm: Bool = true) {
        if mayBeTqdm, let bar = Self.tqdm(line) {
            self = bar
        } else if let bar = Self.keras(line) {
            self = bar
        } else {
            return nil
        }
    }

    /// What precedes tqdm's bracket: the description and the position.
    private struct Meter {
        var description: String
        var current: UInt64
        var total: UInt64?
    }

    private init(
        style: Style, description: String, current: UInt64, total: UInt64?, rate: [UInt8] = [], trailer: [UInt8]
    ) {
        self.style = style
        self.description = description
        self.current = current
        self.total = total
        self.rate = rate
        self.trailer = trailer
    }

    // MARK: tqdm

    /// tqdm's meter: `… n/total [elapsed<remaining, rate…]` or, without a
    /// total, `… n unit [elapsed, rate…]`. Found by its bracket, which
    /// starts with a clock; whatever follows the bracket (a log line printed
    /// without a line break) is ignored.
    private static func tqdm(_ line: [UInt8]) -> ProgressBarLine? {
        var search = 0
        var candidates = 0
        // A few clocks at most: a line of thousands of " [00:00" must not take quadratic time.
        while candidates < 16, let open = line.firstIndex(of: [0x20, 0x5B], from: search) {  // " ["
            search = open + 1
            guard var cursor = clockEnd(line, from: open + 2), cursor < line.count else { continue }
            candidates += 1
            var knownTotal = false
            if line[cursor] == UInt8(ascii: "<") {
                knownTotal = true
                cursor += 1
                if cursor < line.count, line[cursor] == UInt8(ascii: "?") {
                    cursor += 1
                } else if let end = clockEnd(line, from: cursor) {
                    cursor = end
                } else {
                    continue
                }
            }
            guard cursor + 1 < line.count, line[cursor] == UInt8(ascii: ","), line[cursor + 1] == 0x20 else { continue }
            cursor += 2
            while cursor < line.count, line[cursor] == 0x20 { cursor += 1 }
            let rateStart = cursor
            while cursor < line.count, line[cursor] != UInt8(ascii: ","), line[cursor] != UInt8(ascii: "]") {
                cursor += 1
            }
            let rate = Array(line[rateStart..<cursor])
            guard rate.contains(UInt8(ascii: "/")) else { continue }
            var trailer: [UInt8] = []
            if cursor < line.count, line[cursor] == UInt8(ascii: ",") {
                let end = line.firstIndex(of: Self.closingBracket, from: cursor + 1) ?? line.count
                trailer = Array(line[(cursor + 1)..<end].trimmingSpaces)
            }
            let head = line[..<open]
            if let meter = knownTotal ? meterWithTotal(head) : meterWithoutTotal(head) {
                return ProgressBarLine(
                    style: .tqdm, description: meter.description, current: meter.current, total: meter.total,
                    rate: rate, trailer: trailer)
            }
        }
        return nil
    }

    private static let closingBracket: [UInt8] = [UInt8(ascii: "]")]

    /// `desc: 42%|████▏     | 420/1000` (the bar and percentage optional).
    private static func meterWithTotal(_ head: ArraySlice<UInt8>) -> Meter? {
        let tokenStart = (head.lastIndex(of: 0x20) ?? (head.startIndex - 1)) + 1
        let token = head[tokenStart...]
        guard let slash = token.firstIndex(of: UInt8(ascii: "/")),
            let current = count(token[..<slash]),
            let total = count(token[(slash + 1)...])
        else { return nil }
        var before = head[..<tokenStart]
        // Drop the bar and the percentage: everything from the digits before the last '%'.
        if let percent = before.lastIndex(of: UInt8(ascii: "%")) {
            var start = percent
            while start > before.startIndex, before[start - 1].isASCIIDigit { start -= 1 }
            if start < percent { before = before[..<start] }
        }
        return Meter(description: description(before), current: current, total: total)
    }

    /// `desc: 420it` or `desc: 25000 examples`.
    private static func meterWithoutTotal(_ head: ArraySlice<UInt8>) -> Meter? {
        let trimmed = head.trimmingSpaces
        let lastStart = (trimmed.lastIndex(of: 0x20) ?? (trimmed.startIndex - 1)) + 1
        var numberStart = lastStart
        if lastStart == trimmed.endIndex || !trimmed[lastStart].isASCIIDigit {
            // The unit has its own word (" examples"): the number is the word before.
            let before = trimmed[..<lastStart].trimmingSpaces
            numberStart = (before.lastIndex(of: 0x20) ?? (before.startIndex - 1)) + 1
            guard numberStart < before.endIndex else { return nil }
            guard let current = count(before[numberStart...]) else { return nil }
            return Meter(description: description(trimmed[..<numberStart]), current: current, total: nil)
        }
        var end = numberStart
        while end < trimmed.endIndex, trimmed[end].isASCIIDigit || trimmed[end] == UInt8(ascii: ".") { end += 1 }
        if end < trimmed.endIndex, siMultiplier(trimmed[end]) != nil { end += 1 }
        guard let current = count(trimmed[numberStart..<end]) else { return nil }
        return Meter(description: description(trimmed[..<numberStart]), current: current, total: nil)
    }

    /// The end of a clock `M:SS` or `H:MM:SS` that starts at `start`.
    private static func clockEnd(_ line: [UInt8], from start: Int) -> Int? {
        var cursor = start
        while cursor < line.count, line[cursor].isASCIIDigit, cursor - start < 12 { cursor += 1 }
        guard cursor > start else { return nil }
        var groups = 0
        while groups < 2, cursor + 2 < line.count, line[cursor] == UInt8(ascii: ":"),
            line[cursor + 1].isASCIIDigit, line[cursor + 2].isASCIIDigit
        {
            cursor += 3
            groups += 1
        }
        return groups > 0 ? cursor : nil
    }

    /// The description before a meter: trimmed, without its final colon.
    private static func description(_ bytes: ArraySlice<UInt8>) -> String {
        var trimmed = bytes.trimmingSpaces
        if trimmed.last == UInt8(ascii: ":") { trimmed = trimmed.dropLast().trimmingSpaces }
        return trimmed.text
    }

    // MARK: Keras

    /// "━", Keras 3's bar.
    private static let heavyHorizontal: [UInt8] = [0xE2, 0x94, 0x81]

    /// `  420/1000 ━━━━━━━━━━━━━━━━━━━━ 14s 41ms/step - loss: 0.4100` (Keras 3),
    /// `420/1000 [=====>....] - ETA: 14s - loss: 0.41` (Keras 2), and
    /// `420/Unknown 10s 24ms/step - loss: 0.41` (both, unknown length).
    private static func keras(_ line: [UInt8]) -> ProgressBarLine? {
        var cursor = 0
        while cursor < line.count, line[cursor] == 0x20 { cursor += 1 }
        let numberStart = cursor
        while cursor < line.count, line[cursor].isASCIIDigit { cursor += 1 }
        guard cursor > numberStart, cursor < line.count, line[cursor] == UInt8(ascii: "/"),
            let current = count(line[numberStart..<cursor])
        else { return nil }
        cursor += 1
        let totalStart = cursor
        while cursor < line.count, line[cursor].isASCIIDigit { cursor += 1 }
        var total: UInt64?
        if cursor > totalStart {
            guard let parsed = count(line[totalStart..<cursor]) else { return nil }
            total = parsed
        } else if line[totalStart...].starts(with: "Unknown".utf8) {
            cursor += 7
        } else {
            return nil
        }
        guard cursor < line.count, line[cursor] == 0x20 else { return nil }
        cursor += 1
        let heavyHorizontal = Self.heavyHorizontal
        if total != nil, line[cursor...].starts(with: heavyHorizontal) {
            while line[cursor...].starts(with: heavyHorizontal) { cursor += 3 }
        } else if total != nil, cursor < line.count, line[cursor] == UInt8(ascii: "[") {
            cursor += 1
            while cursor < line.count, "=>.".utf8.contains(line[cursor]) { cursor += 1 }
            guard cursor < line.count, line[cursor] == UInt8(ascii: "]") else { return nil }
            cursor += 1
        } else if total == nil {
            let rest = Array(line[cursor...])
            guard rest.contains(Array("/step".utf8)) || rest.hasPrefix(Array("- ".utf8)) else { return nil }
        } else {
            return nil
        }
        return ProgressBarLine(
            style: .keras, description: "", current: current, total: total,
            trailer: Array(line[cursor...].trimmingSpaces))
    }

    // MARK: Numbers

    /// A count as tqdm prints it: `420`, `420.5`, or scaled `4.20k`, `1.00M`.
    static func count(_ token: ArraySlice<UInt8>) -> UInt64? {
        guard !token.isEmpty, token.first?.isASCIIDigit == true else { return nil }
        if token.allSatisfy(\.isASCIIDigit) {
            var value: UInt64 = 0
            for digit in token {
                let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit - 0x30))
                guard !overflow, !overflow2 else { return nil }
                value = sum
            }
            return value
        }
        var digits = token
        var multiplier = 1.0
        if let last = token.last, let scale = siMultiplier(last) {
            multiplier = scale
            digits = token.dropLast()
        }
        guard digits.allSatisfy({ $0.isASCIIDigit || $0 == UInt8(ascii: ".") }),
            digits.count(where: { $0 == UInt8(ascii: ".") }) <= 1,
            let number = Double(digits.text)
        else { return nil }
        let value = (number * multiplier).rounded(.down)
        guard value.isFinite, value >= 0, value < 18_000_000_000_000_000_000 else { return nil }
        return UInt64(value)
    }

    /// The factor of one of tqdm's SI prefixes (`unit_scale=True`).
    private static func siMultiplier(_ byte: UInt8) -> Double? {
        switch byte {
        case UInt8(ascii: "k"): 1e3
        case UInt8(ascii: "M"): 1e6
        case UInt8(ascii: "G"): 1e9
        case UInt8(ascii: "T"): 1e12
        case UInt8(ascii: "P"): 1e15
        case UInt8(ascii: "E"): 1e18
        default: nil
        }
    }
}
