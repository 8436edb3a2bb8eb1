/// The names a remote host may go by on the desktop: 1 to 64 letters, digits, '.', '-' or '_',
/// starting with a letter or a digit (what `hostname` prints). The same rule as `IdentifyHost`.
public enum RemoteHostName {
    public static func isValid(_ text: String) -> Bool {
        func isAlphanumeric(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) }
        let bytes = Array(text.utf8)
        return (1...64).contains(bytes.count) && isAlphanumeric(bytes[0])
            && bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    /// What the rule accepts, for messages.
    public static let accepted = "1 to 64 letters, digits, '.', '-' or '_', starting with a letter or a digit (e.g. gpu-07)"
}
