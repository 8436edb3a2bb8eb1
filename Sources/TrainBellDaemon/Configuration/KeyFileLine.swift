/// One line of a key file, classified the way GKeyFile classifies it.
///
/// GKeyFile does not say on which line a group or a key is; this does, so
/// that every message of the configuration can name its line. It follows
/// GKeyFile's rules: leading ASCII white space is ignored; a line that is
/// then empty or starts with `#` is a comment; `[name]` followed by nothing
/// but spaces and tabs is a group header; a line with `=` after at least one
/// character is a key=value line, the key ending before the first `=` (white
/// space before the `=` is not part of it).
enum KeyFileLine: Sendable, Hashable {
    /// An empty line or a comment.
    case comment
    /// A group header, with the name between the brackets.
    case group(String)
    /// A key=value line, with the key.
    case entry(key: String)
    /// Anything else: a line GKeyFile rejects.
    case invalid

    /// Classifies `line` (without its line end).
    init(_ line: Substring) {
        let scalars = line.unicodeScalars.drop { Self.isSpace($0) }
        guard let first = scalars.first, first != "#" else {
            self = .comment
            return
        }
        if first == "[", let close = scalars.firstIndex(of: "]"),
            scalars[scalars.index(after: close)...].allSatisfy({ $0 == " " || $0 == "\t" })
        {
            self = .group(String(scalars[scalars.index(after: scalars.startIndex)..<close]))
        } else if first != "=", let equals = scalars.firstIndex(of: "=") {
            var key = scalars[..<equals]
            while let last = key.last, Self.isSpace(last) {
                key.removeLast()
            }
            self = .entry(key: String(key))
        } else {
            self = .invalid
        }
    }

    /// GLib's `g_ascii_isspace`: space, tab, line feed, form feed, carriage
    /// return (not vertical tab).
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\u{0C}" || scalar == "\r"
    }
}
