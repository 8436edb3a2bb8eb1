extension TrainingOutputRecognizer {
    /// What the recognizer knows of the bars drawn so far.
    struct ProgressState: Sendable {
        /// The length of the bar being followed and whether it has reached it.
        var followed: (total: UInt64, isFinished: Bool)?
        /// The last progress reported, so a redraw at the same position is not reported again.
        var lastReported: (current: UInt64, total: UInt64?)?
        /// Keras's `Epoch k/N` line before the current epoch's bar.
        var kerasEpoch: (index: UInt64, count: UInt64)?
    }

    /// Reads a bar drawing: reports its position, and a NaN/Inf loss in
    /// its postfix or metrics.
    ///
    /// Which bar counts when several are drawn:
    /// 1. A bar drawn on a lower row (`isNested`: tqdm moves the cursor back
    ///    up after drawing a bar at position 1, 2, …) is an inner bar and is
    ///    ignored; position 0 is the outermost bar.
    /// 2. Bars of work around the training are ignored (see
    ///    ``ProgressBarLine/isAuxiliary``): data preparation, downloads,
    ///    checkpoint loading, Lightning's sanity check, validation,
    ///    evaluation, testing and prediction. Their 100 % is not the end of
    ///    the training.
    /// 3. Of the rest, the first bar with a known total is followed; a bar
    ///    with another total is ignored while the followed one has not
    ///    reached its total (an inner bar printed without cursor moves), and
    ///    followed instead once it has (the next bar in a sequence,
    ///    Lightning's next epoch). A bar without a total is reported only
    ///    while no bar with a total is being followed.
    /// 4. Keras draws one bar per epoch after an `Epoch k/N` line; its
    ///    position is counted over all epochs: (k − 1) × steps + step of
    ///    N × steps.
    ///
    /// `current` is never reported above `total`, and a redraw at the same
    /// position is not reported again.
    mutating func handle(_ bar: ProgressBarLine, isNested: Bool) {
        let mayDiverge = bar.style == .tqdm
            ? Self.postfixMayHoldNonFiniteLoss(bar.trailer)
            : Self.mayNameALoss(bar.trailer) && Self.mayHoldNonFiniteNumber(bar.trailer)
        if mayDiverge { checkLoss(in: bar) }
        follow(bar, isNested: isNested)
        // The line that ends a Keras epoch carries the epoch's metrics.
        if bar.style == .keras, let total = bar.total, bar.current >= total {
            let metrics = Self.kerasMetrics(bar.trailer)
            if !metrics.isEmpty {
                var values: [String: Double] = [:]
                for (key, value) in metrics { values[key] = value }
                emit(.metrics(values))
            }
        }
    }

    private mutating func follow(_ bar: ProgressBarLine, isNested: Bool) {
        guard !isNested, !isAuxiliary(bar) else { return }
        var current = bar.current
        var total = bar.total
        if bar.style == .keras, let steps = total, let epoch = progress.kerasEpoch {
            let (done, overflow1) = (epoch.index - 1).multipliedReportingOverflow(by: steps)
            let (all, overflow2) = epoch.count.multipliedReportingOverflow(by: steps)
            let (position, overflow3) = done.addingReportingOverflow(min(current, steps))
            if !overflow1, !overflow2, !overflow3 {
                current = position
                total = all
            }
            if epoch.index == epoch.count, bar.current >= steps {
                progress.kerasEpoch = nil
            }
        }
        guard let total, total > 0 else {
            if let followed = progress.followed, !followed.isFinished { return }
            reportProgress(current: current, total: nil)
            return
        }
        current = min(current, total)
        if let followed = progress.followed, !followed.isFinished, followed.total != total { return }
        progress.followed = (total, current >= total)
        reportProgress(current: current, total: total)
    }

    /// ``ProgressBarLine/isAuxiliary``, remembering the last description found
    /// either way (a bar redraws with the same description).
    private mutating func isAuxiliary(_ bar: ProgressBarLine) -> Bool {
        if bar.description == auxiliaryDescriptions.training { return bar.hasAuxiliaryRate }
        if bar.description == auxiliaryDescriptions.auxiliary { return true }
        if bar.hasAuxiliaryDescription {
            auxiliaryDescriptions.auxiliary = bar.description
            return true
        }
        auxiliaryDescriptions.training = bar.description
        return bar.hasAuxiliaryRate
    }

    /// Whether tqdm's postfix (`v_num=0, train_loss=nan`) has a `key=value` pair whose key may name a
    /// loss and whose value may read as NaN or infinite: else ``checkLoss(in:)`` finds nothing in it
    /// (it reads the same pairs). Only the values are searched for `nan`, `inf` and exponents.
    static func postfixMayHoldNonFiniteLoss(_ trailer: [UInt8]) -> Bool {
        trailer.withUnsafeBufferPointer { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                var equals = -1
                while end < bytes.count, bytes[end] != UInt8(ascii: ",") {
                    if equals < 0, bytes[end] == UInt8(ascii: "=") { equals = end }
                    end &+= 1
                }
                if equals >= 0,
                    !isPlainDecimal(UnsafeBufferPointer(rebasing: bytes[(equals &+ 1)..<end])),
                    mayNameALoss(UnsafeBufferPointer(rebasing: bytes[start..<equals])),
                    mayHoldNonFiniteNumber(UnsafeBufferPointer(rebasing: bytes[(equals &+ 1)..<end]))
                {
                    return true
                }
                start = end &+ 1
            }
            return false
        }
    }

    /// Whether `bytes` are only digits, signs, dots and spaces, fewer than ``mayHoldNonFiniteNumber(_:)``
    /// counts as possibly too many (what most postfix values are): such a value is never NaN or
    /// infinite, and neither its key nor its letters need reading.
    static func isPlainDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count < 250 else { return false }
        for byte in bytes where !(byte &- 0x30 < 10 || byte == UInt8(ascii: ".") || byte == 0x20
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+"))
        {
            return false
        }
        return true
    }

    /// Whether `bytes` hold `loss` (ASCII letter case ignored): else no
    /// value in them is a loss (their keys are matched the same way).
    static func mayNameALoss(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { mayNameALoss($0) }
    }

    static func mayNameALoss(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var window: UInt32 = 0
        for byte in bytes {
            let lower = byte &- 0x41 < 26 ? byte | 0x20 : byte
            window = window &<< 8 | UInt32(lower)
            if window == 0x6C6F_7373 { return true }  // "loss"
        }
        return false
    }

    /// Whether a number in `bytes` may read as NaN or infinite (``Double/init(pythonText:)``): only
    /// `nan`, `inf` (any letter case), an exponent (`1e400`, `0x1p1024`) or hundreds of digits can.
    static func mayHoldNonFiniteNumber(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { mayHoldNonFiniteNumber($0) }
    }

    static func mayHoldNonFiniteNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var window: UInt32 = 0
        var previous: UInt8 = 0
        var digits = 0
        for byte in bytes {
            let lower = byte &- 0x41 < 26 ? byte | 0x20 : byte
            window = (window &<< 8 | UInt32(lower)) & 0xFF_FFFF
            if window == 0x6E_616E || window == 0x69_6E66 { return true }  // "nan", "inf"
            let previousIsHexLetter = previous &- 0x61 < 6
            if lower == UInt8(ascii: "e") || lower == UInt8(ascii: "p"),
                previous &- 0x30 < 10 || previous == UInt8(ascii: ".") || previousIsHexLetter
            {
                return true
            }
            digits = lower &- 0x30 < 10 || lower &- 0x61 < 6 ? digits &+ 1 : 0
            if digits >= 250 { return true }
            previous = lower
        }
        return false
    }

    private mutating func reportProgress(current: UInt64, total: UInt64?) {
        if let last = progress.lastReported, last.current == current, last.total == total { return }
        progress.lastReported = (current, total)
        emit(.progress(current: current, total: total))
    }

    /// Reads Keras's `Epoch 3/10` line.
    /// `Epoch `, which starts Keras's epoch lines.
    static let epochWord = Array("Epoch ".utf8)

    mutating func readEpochHeader(_ line: [UInt8]) {
        let word = Self.epochWord
        guard line.trimmingSpaces.starts(with: word) else { return }
        let trimmed = Array(line.trimmingSpaces)
        guard trimmed.hasPrefix(word), let slash = trimmed.firstIndex(of: UInt8(ascii: "/")),
            slash > word.count,
            let index = ProgressBarLine.count(trimmed[word.count..<slash]),
            trimmed[word.count..<slash].allSatisfy(\.isASCIIDigit),
            trimmed[(slash + 1)...].allSatisfy(\.isASCIIDigit),
            let count = ProgressBarLine.count(trimmed[(slash + 1)...]),
            index >= 1, index <= count
        else { return }
        progress.kerasEpoch = (index, count)
    }

    /// Reports `loss_divergence` for a NaN/Inf loss shown with a bar:
    /// tqdm's postfix (`train_loss=nan`) or Keras's metrics (`loss: nan`).
    private mutating func checkLoss(in bar: ProgressBarLine) {
        let values: [(String, Double)]
        switch bar.style {
        case .tqdm: values = Self.postfixValues(bar.trailer)
        case .keras: values = Self.kerasMetrics(bar.trailer)
        }
        guard let (key, value) = values.first(where: { !$0.1.isFinite && $0.0.lowercased().contains("loss") }) else {
            return
        }
        var place = bar.description
        if bar.style == .keras, let epoch = progress.kerasEpoch {
            place = "epoch \(epoch.index)/\(epoch.count)"
        }
        let message = "\(key) is \(Self.format(value))" + (place.isEmpty ? "" : " (\(place))")
        reportOnce(type: "loss_divergence", message: message, details: Self.message(bar.trailer))
    }

    /// tqdm's postfix `v_num=0, train_loss=0.41` as numbers.
    static func postfixValues(_ trailer: [UInt8]) -> [(String, Double)] {
        trailer.split(separator: UInt8(ascii: ",")).compactMap { pair in
            guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            let key = pair[..<equals].trimmingSpaces.text
            guard let value = Double(pythonBytes: pair[(equals + 1)...]) else { return nil }
            return (key, value)
        }
    }

    /// Keras's `14s 41ms/step - loss: 0.4100 - accuracy: 0.85` as numbers.
    static func kerasMetrics(_ trailer: [UInt8]) -> [(String, Double)] {
        var metrics: [(String, Double)] = []
        var start = 0
        let separator = Array(" - ".utf8)
        let padded = [0x20] + trailer
        while let at = padded.firstIndex(of: separator, from: start) {
            let end = padded.firstIndex(of: separator, from: at + separator.count) ?? padded.count
            let piece = padded[(at + separator.count)..<end]
            if let colon = piece.firstIndex(of: UInt8(ascii: ":")), colon + 1 < piece.endIndex,
                piece[colon + 1] == 0x20
            {
                let key = piece[..<colon].trimmingSpaces
                let valueText = piece[(colon + 2)...].trimmingSpaces.prefix { $0 != 0x20 }
                if !key.isEmpty, !key.contains(0x20), let value = Double(pythonBytes: valueText) {
                    metrics.append((key.text, value))
                }
            }
            start = end
        }
        return metrics
    }
}
