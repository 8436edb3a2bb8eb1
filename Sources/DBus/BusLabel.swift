/// The escaping of arbitrary text into one element of a D-Bus object path,
/// exactly as systemd's `bus_label_escape` / `bus_label_unescape` do.
///
/// The empty string becomes `_`. ASCII letters are kept, and digits except
/// as the first byte; every other byte of the UTF-8 encoding becomes `_`
/// followed by two lowercase hex digits (`foo.bar` → `foo_2ebar`,
/// `1` → `_31`, `_` → `_5f`).
public enum BusLabel {
    /// The object-path element for `text`; it contains only `[A-Za-z0-9_]`
    /// and never starts with a digit.
    public static func escape(_ text: some StringProtocol) -> String {
        let bytes = text.utf8
        guard !bytes.isEmpty else { return "_" }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 3)
        for (offset, byte) in bytes.enumerated() {
            if isLetter(byte) || (offset > 0 && isDigit(byte)) {
                output.append(byte)
            } else {
                output.append(underscore)
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0f)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes that `label` stands for. As systemd does, `_` alone is the
    /// empty string, hex digits of either case are read, and a `_` that does
    /// not start a valid escape is taken literally.
    public static func unescapedBytes(_ label: some StringProtocol) -> [UInt8] {
        let bytes = Array(label.utf8)
        if bytes == [underscore] { return [] }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == underscore, index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(byte)
                index += 1
            }
        }
        return output
    }

    /// The text that `label` stands for (see ``unescapedBytes(_:)``), or nil
    /// when those bytes are not UTF-8.
    public static func unescape(_ label: some StringProtocol) -> String? {
        String(validating: unescapedBytes(label), as: UTF8.self)
    }

    private static let underscore = UInt8(ascii: "_")
    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
