extension TrainingOutputRecognizer {
    /// Reports a log dict's metrics, and a NaN/Inf loss in it
    /// (`loss_divergence`) or a gradient norm that stays NaN/Inf
    /// (`gradient_explosion`).
    mutating func handle(_ dictionary: PythonLogDictionary, line: [UInt8]) {
        var metrics: [String: Double] = [:]
        metrics.reserveCapacity(dictionary.entries.count)
        for (key, value) in dictionary.entries {
            metrics[key] = value
        }
        var epoch: String { metrics["epoch"].map { " (epoch \(Self.format($0)))" } ?? "" }
        // The error before the metrics: trainbelld, which applies the same rule to every client's
        // metrics, then knows it was reported and does not report it again.
        if let (key, value) = dictionary.entries.first(where: {
            !$0.value.isFinite && $0.key.utf8.asciiCaseInsensitiveContains("loss")
        }) {
            reportOnce(type: "loss_divergence", message: "\(key) is \(Self.format(value))\(epoch)", details: line.text)
        }
        emit(.metrics(metrics))
        if let norm = dictionary.entries.first(where: { $0.key.utf8.asciiCaseInsensitiveContains("grad_norm") }) {
            nonFiniteGradientNorms = norm.value.isFinite ? 0 : nonFiniteGradientNorms + 1
            if nonFiniteGradientNorms >= Self.nonFiniteGradientNormLimit {
                reportOnce(
                    type: "gradient_explosion",
                    message:
                        "\(norm.key) is \(Self.format(norm.value)) in \(nonFiniteGradientNorms) log entries in a row\(epoch)",
                    details: line.text)
            }
        }
    }

    /// How many log entries in a row must have a NaN/Inf gradient norm for
    /// it to be an error: one alone happens when mixed-precision training
    /// skips a step, which it does routinely.
    static let nonFiniteGradientNormLimit = 3

    /// A number as Python prints it (`nan`, `inf`, `1.5`).
    static func format(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
