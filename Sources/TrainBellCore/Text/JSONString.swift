/// A string as a JSON string literal (RFC 8259): `"` and `\` escaped, the control characters as
/// `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX` (DEL too), everything else as it is (UTF-8). Used by the
/// daemon's stored action lists and the CLI's `--json` output.
public enum JSONString {
    public static func quoted(_ text: String) -> String {
        var json = "\""
        json.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\n": json += "\\n"
            case "\r": json += "\\r"
            case "\t": json += "\\t"
            case "\u{08}": json += "\\b"
            case "\u{0C}": json += "\\f"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                let hex = String(scalar.value, radix: 16)
                json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                json.unicodeScalars.append(scalar)
            }
        }
        return json + "\""
    }
}
