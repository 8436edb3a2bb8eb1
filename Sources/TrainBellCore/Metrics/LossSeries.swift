/// Which reported metric is a run's loss, and how it reads at a glance.
public enum LossSeries {
    /// The main loss among `names` (in the order they were first reported): `loss`, else the first
    /// whose name contains "loss" in any case, `eval_loss` only when there is no other (it is the
    /// second line of the chart).
    public static func main(among names: some Sequence<String>) -> String? {
        let names = Array(names)
        if names.contains("loss") { return "loss" }
        let losses = names.filter { $0.utf8.asciiCaseInsensitiveContains("loss") }
        return losses.first { $0 != "eval_loss" } ?? losses.first
    }

    /// A one-line chart of `values` in `width` block characters (▁ lowest … █ highest), the values
    /// grouped into that many buckets by their mean; NaN and infinities are left out of the scale and
    /// a bucket of them alone is a space. Empty for no values.
    public static func sparkline(_ values: [Double], width: Int = 20) -> String {
        guard !values.isEmpty, width > 0 else { return "" }
        let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        let count = min(width, values.count)
        var means: [Double?] = []
        means.reserveCapacity(count)
        for bucket in 0..<count {
            let slice = values[(bucket * values.count / count)..<((bucket + 1) * values.count / count)].filter(\.isFinite)
            means.append(slice.isEmpty ? nil : slice.reduce(0, +) / Double(slice.count))
        }
        let finite = means.compactMap { $0 }
        guard let low = finite.min(), let high = finite.max() else { return String(repeating: " ", count: count) }
        return String(means.map { mean -> Character in
            guard let mean else { return " " }
            guard high > low else { return blocks[0] }
            let level = Int(((mean - low) / (high - low) * Double(blocks.count - 1)).rounded())
            return blocks[min(blocks.count - 1, max(0, level))]
        })
    }
}
