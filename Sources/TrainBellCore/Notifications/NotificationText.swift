/// Preparing text for a notification bubble: removing what servers choke
/// on, shortening, and escaping for servers that read body markup.
///
/// The full text is the caller's to keep (history, the `details` action);
/// these functions only make the bubble's copy. Apply them in the order
/// ``sanitized(_:)``, ``shortened(_:maxCharacters:maxLines:)``,
/// ``escapedForMarkup(_:)`` so that shortening never cuts an entity.
public enum NotificationText {
    /// The mark put where text was cut.
    public static let ellipsis: Character = "…"

    /// The default longest bubble body, in characters.
    public static let defaultMaxCharacters = 300

    /// The default most lines of a bubble body.
    public static let defaultMaxLines = 5

    /// The text escaped for the freedesktop body markup: `&`, `<`, `>`,
    /// `'`, `"` become entities; everything else is kept.
    public static func escapedForMarkup(_ text: some StringProtocol) -> String {
        var output = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output.append(contentsOf: "&amp;".unicodeScalars)
            case "<": output.append(contentsOf: "&lt;".unicodeScalars)
            case ">": output.append(contentsOf: "&gt;".unicodeScalars)
            case "'": output.append(contentsOf: "&#39;".unicodeScalars)
            case "\"": output.append(contentsOf: "&quot;".unicodeScalars)
            default: output.append(scalar)
            }
        }
        return String(output)
    }

    /// The text with line ends made `\n` (CR LF and lone CR) and every
    /// other control character (C0 except tab and line feed, DEL, C1,
    /// also NUL, which D-Bus strings cannot carry) removed.
    public static func sanitized(_ text: some StringProtocol) -> String {
        var output = String.UnicodeScalarView()
        var previousWasCarriageReturn = false
        for scalar in text.unicodeScalars {
            defer { previousWasCarriageReturn = scalar == "\r" }
            switch scalar {
            case "\r": output.append("\n")
            case "\n": if !previousWasCarriageReturn { output.append("\n") }
            case "\t": output.append(scalar)
            case _ where JobID.isControl(scalar): continue
            default: output.append(scalar)
            }
        }
        return String(output)
    }

    /// The text shortened for a bubble: at most `maxLines` lines and at most
    /// `maxCharacters` characters (grapheme clusters, so no letter, emoji or
    /// accent is split). Where it was cut, trailing white space is dropped
    /// and ``ellipsis`` is appended, within the limits. Text within the
    /// limits is returned unchanged. Limits below 1 give an empty string.
    public static func shortened(
        _ text: some StringProtocol,
        maxCharacters: Int = defaultMaxCharacters,
        maxLines: Int = defaultMaxLines
    ) -> String {
        guard maxCharacters > 0, maxLines > 0 else { return "" }
        var kept = Substring(text)
        var cut = false
        if let end = endOfLines(in: kept, count: maxLines) {
            kept = kept[..<end]
            cut = true
        }
        if kept.count > maxCharacters || (cut && kept.count == maxCharacters) {
            kept = kept.prefix(maxCharacters - 1)
            cut = true
        }
        guard cut else { return String(text) }
        while let last = kept.last, last.isWhitespace {
            kept.removeLast()
        }
        return String(kept) + String(ellipsis)
    }

    /// `text` in at most `maxUTF8Bytes` bytes of UTF-8: unchanged when it fits, else cut at a
    /// Unicode scalar boundary (in time independent of the length) with ``ellipsis`` appended (within the limit). For what is kept in memory
    /// or in a property with a size contract (`LastError`), not for what a bubble shows.
    public static func prefix(_ text: String, maxUTF8Bytes: Int) -> String {
        guard text.utf8.count > maxUTF8Bytes else { return text }
        let room = maxUTF8Bytes - String(ellipsis).utf8.count
        guard room > 0 else { return "" }
        // Back from the byte limit to the start of a Unicode scalar: never half a character's bytes.
        var end = text.utf8.index(text.utf8.startIndex, offsetBy: room)
        while end > text.startIndex && end.samePosition(in: text.unicodeScalars) == nil {
            end = text.utf8.index(before: end)
        }
        return String(text.unicodeScalars[..<end]) + String(ellipsis)
    }

    /// The index of the line break that ends line `count` of `text`, or nil
    /// when `text` has no more than `count` lines (a final line break does
    /// not start a line).
    private static func endOfLines(in text: Substring, count: Int) -> Substring.Index? {
        var lines = 1
        var index = text.startIndex
        while let lineBreak = text[index...].firstIndex(where: \.isNewline) {
            let next = text.index(after: lineBreak)
            guard next < text.endIndex else { return nil }
            if lines == count { return lineBreak }
            lines += 1
            index = next
        }
        return nil
    }
}
