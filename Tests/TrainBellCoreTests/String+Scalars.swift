/// Scalar-level helpers for the tests: `String`'s own search works on
/// characters, so a brace that starts a grapheme cluster with what follows
/// (or ends one with what precedes) would be missed.
extension String {
    /// Whether the Unicode scalars of `needle` occur in a row in this string.
    func containsScalars(_ needle: String) -> Bool {
        let haystack = Array(unicodeScalars)
        let needle = Array(needle.unicodeScalars)
        guard needle.count <= haystack.count else { return needle.isEmpty }
        return (0...(haystack.count - needle.count)).contains { start in
            haystack[start..<(start + needle.count)].elementsEqual(needle)
        }
    }

    /// The string with every `scalar` replaced by the scalars of `replacement`.
    func replacingScalar(_ scalar: Unicode.Scalar, with replacement: String) -> String {
        var output = String.UnicodeScalarView()
        for each in unicodeScalars {
            if each == scalar {
                output.append(contentsOf: replacement.unicodeScalars)
            } else {
                output.append(each)
            }
        }
        return String(output)
    }

    /// The string with every occurrence of the scalars of `target` (from
    /// left to right, not overlapping) replaced by those of `replacement`.
    func replacingScalars(_ target: String, with replacement: String) -> String {
        let scalars = Array(unicodeScalars)
        let target = Array(target.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if !target.isEmpty, scalars[index...].starts(with: target) {
                output.append(contentsOf: replacement.unicodeScalars)
                index += target.count
            } else {
                output.append(scalars[index])
                index += 1
            }
        }
        return String(output)
    }
}
