import TrainBellCore

/// The `actions` column of the history: the actions of a notification as a JSON array,
/// `[{"key":"details","label":"View Details"}]`.
///
/// Written here without Foundation; read back also as the GRDB-based store wrote it with
/// `JSONEncoder` (members in any order, `\/` and `\uXXXX` escapes, white space).
enum ActionListJSON {
    /// `actions` as a JSON array of `{"key":…,"label":…}` objects.
    static func encode(_ actions: [NotificationAction]) -> String {
        guard !actions.isEmpty else { return "[]" }
        var json = "["
        for (index, action) in actions.enumerated() {
            if index > 0 { json += "," }
            json += "{\"key\":"
            appendString(action.key, to: &json)
            json += ",\"label\":"
            appendString(action.label, to: &json)
            json += "}"
        }
        return json + "]"
    }

    /// The actions of a JSON array written by ``encode(_:)`` or by `JSONEncoder`; nil when `text`
    /// is not such an array (each object needs exactly the string members `key` and `label`).
    static func decode(_ text: String) -> [NotificationAction]? {
        var reader = Reader(bytes: Array(text.utf8))
        return reader.actions()
    }

    /// Appends `text` as a JSON string (``JSONString``).
    private static func appendString(_ text: String, to json: inout String) {
        json += JSONString.quoted(text)
    }

    /// A cursor over the UTF-8 bytes of the JSON.
    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        mutating func actions() -> [NotificationAction]? {
            skipSpace()
            guard take(UInt8(ascii: "[")) else { return nil }
            var actions: [NotificationAction] = []
            skipSpace()
            if !take(UInt8(ascii: "]")) {
                repeat {
                    skipSpace()
                    guard let action = action() else { return nil }
                    actions.append(action)
                    skipSpace()
                } while take(UInt8(ascii: ","))
                guard take(UInt8(ascii: "]")) else { return nil }
            }
            skipSpace()
            return position == bytes.count ? actions : nil
        }

        mutating func action() -> NotificationAction? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var key: String?
            var label: String?
            skipSpace()
            if !take(UInt8(ascii: "}")) {
                repeat {
                    skipSpace()
                    guard let name = string() else { return nil }
                    skipSpace()
                    guard take(UInt8(ascii: ":")) else { return nil }
                    skipSpace()
                    guard let value = string() else { return nil }
                    switch name {
                    case "key" where key == nil: key = value
                    case "label" where label == nil: label = value
                    default: return nil
                    }
                    skipSpace()
                } while take(UInt8(ascii: ","))
                guard take(UInt8(ascii: "}")) else { return nil }
            }
            guard let key, let label else { return nil }
            return NotificationAction(key: key, label: label)
        }

        /// A JSON string; lone surrogates in `\u` escapes become U+FFFD.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            var text: [UInt8] = []
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: text, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard position < bytes.count else { return nil }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escape)
                    case UInt8(ascii: "b"): text.append(0x08)
                    case UInt8(ascii: "f"): text.append(0x0C)
                    case UInt8(ascii: "n"): text.append(0x0A)
                    case UInt8(ascii: "r"): text.append(0x0D)
                    case UInt8(ascii: "t"): text.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let scalar = escapedScalar() else { return nil }
                        text.append(contentsOf: String(Character(scalar)).utf8)
                    default:
                        return nil
                    }
                default:
                    text.append(byte)
                }
            }
            return nil
        }

        /// The scalar of `XXXX` after `\u` (and of a following `\uXXXX` low surrogate).
        mutating func escapedScalar() -> Unicode.Scalar? {
            guard let unit = hex4() else { return nil }
            if (0xD800..<0xDC00).contains(unit) {
                let saved = position
                if take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4(), (0xDC00..<0xE000).contains(low) {
                    return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                }
                position = saved
                return "\u{FFFD}"
            }
            return Unicode.Scalar(unit) ?? "\u{FFFD}"
        }

        mutating func hex4() -> UInt32? {
            guard position + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for byte in bytes[position..<position + 4] {
                guard let digit = Self.hexDigit(byte) else { return nil }
                value = value << 4 | digit
            }
            position += 4
            return value
        }

        static func hexDigit(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }
    }
}
