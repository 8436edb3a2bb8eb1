extension Double {
    /// A number as Python programs print it: `0.41`, `2e-05`, `nan`, `inf`,
    /// `-inf`, and PyTorch Lightning's padded forms of the last three
    /// (`nan.0`, `inf.0`, `-inf.`: its progress bar pads every number to five
    /// characters).
    init?(pythonText text: some StringProtocol) {
        let trimmed = text.trimmingWhitespace
        guard let first = trimmed.first, first.isASCII, first.isNumber || "+-.nNiI".contains(first) else {
            return nil
        }
        if let value = Double(trimmed) {
            self = value
            return
        }
        // Lightning's padding of a non-finite number.
        let unpadded = trimmed.reversed().drop { $0 == "0" }.drop { $0 == "." }.reversed()
        let word = String(unpadded).lowercased()
        switch word {
        case "nan", "+nan", "-nan": self = .nan
        case "inf", "+inf": self = .infinity
        case "-inf": self = -.infinity
        default: return nil
        }
    }
}
