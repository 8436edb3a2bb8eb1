import DBus
import Glibc

/// One `-h TYPE:NAME:VALUE` of `notify-send` 0.8.1, converted exactly as it converts it: `int` → int32,
/// `double` → double, `byte` → byte, `boolean` → boolean, `string` → string, `variant` → the value of GVariant
/// text (a subset: see `NotifySendVariantParser`). Types are case-insensitive; the value is what follows the
/// second colon, colons included.
struct NotifySendHint: Equatable {
    let name: String
    /// The value the hint's variant holds; nil for an empty `string`, which libnotify does not set.
    let value: DBusValue?

    init(parsing text: String) throws(NotifySendUsageError) {
        let tokens = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard tokens.count == 3 else {
            throw NotifySendUsageError("Invalid hint syntax specified. Use TYPE:NAME:VALUE.")
        }
        let (type, name, text) = (tokens[0], tokens[1], tokens[2])
        let unparsable = NotifySendUsageError("Value \"\(text)\" of hint \"\(name)\" could not be parsed as type \"\(type)\".")
        let startsWithDigit = text.utf8.first.map { (0x30...0x39).contains($0) } ?? false
        let value: DBusValue?
        switch type.asciiLowercased {
        case "string":
            value = text.isEmpty ? nil : .string(text)
        case "int":
            // g_ascii_strtoull, then a cast to int: "12abc" is 12, too large wraps.
            guard startsWithDigit else { throw unparsable }
            value = .int32(Int32(truncatingIfNeeded: Self.unsignedPrefix(text)))
        case "double":
            guard startsWithDigit else { throw unparsable }
            value = .double(text.withCString { strtod($0, nil) })
        case "byte":
            // No check that it is a number at all: "abc" is 0; "-1" and 256 are refused.
            let number = Int32(truncatingIfNeeded: Self.unsignedPrefix(text))
            guard (0...255).contains(number) else { throw unparsable }
            value = .byte(UInt8(number))
        case "boolean":
            if text.asciiLowercased == "true" {
                value = .boolean(true)
            } else {
                value = .boolean(startsWithDigit && Self.unsignedPrefix(text) != 0)
            }
        case "variant":
            guard let parsed = try? NotifySendVariantParser.parse(text) else { throw unparsable }
            value = parsed
        default:
            throw NotifySendUsageError("Invalid hint type \"\(type)\". Valid types are int, double, string and byte.")
        }
        // libnotify refuses an empty name with a failed assertion (notify-send aborts): refuse it cleanly.
        guard !name.isEmpty || value == nil else { throw NotifySendUsageError("Invalid hint syntax specified. Use TYPE:NAME:VALUE.") }
        self.name = name
        self.value = value
    }

    /// `g_ascii_strtoull(text, NULL, 10)`: leading blanks and a sign allowed, saturating at the maximum.
    static func unsignedPrefix(_ text: String) -> UInt64 {
        text.withCString { UInt64(strtoull($0, nil, 10)) }
    }
}
