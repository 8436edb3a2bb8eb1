/// The name of a systemd unit that a desktop launched an application in,
/// and the desktop entry ids it may stand for.
///
/// The scheme (systemd's "Desktop Environment Integration",
/// https://systemd.io/DESKTOP_ENVIRONMENTS/):
/// `app[-<launcher>]-<ApplicationID>[@<RANDOM>].service` and
/// `app[-<launcher>]-<ApplicationID>-<RANDOM>.scope`, with the id escaped
/// as systemd does (`-` is `\x2d`, so a raw `-` always separates). Seen in
/// practice: GNOME's `app-gnome-<id>-<pid>.scope` (gnome-desktop),
/// KDE's `app-<id>-<uuid>.scope` and `app-<id>@<uuid>.service` (KIO),
/// `app-flatpak-<id>-<pid>.scope` (flatpak), Chromium's own
/// `app-<id>-<pid>.scope`, the slices `app-<id>.slice` a terminal keeps its
/// tabs in (GNOME Terminal), the older `apps-` prefix and `-autostart`
/// suffix. Some launchers do not escape (`app-claude-desktop-1234.scope`).
///
/// The name alone is ambiguous (is `gnome` a launcher or an id?), so it
/// gives candidates, most likely first; only one with an installed desktop
/// file counts (``DesktopFileIndex``).
public struct AppUnitName: Sendable, Hashable {
    /// The unit name as found, e.g. `app-gnome-kitty-3842.scope`.
    public let unit: String
    /// The desktop entry ids (unescaped, without `.desktop`) it may stand
    /// for, most likely first; never empty.
    public let appIDCandidates: [String]

    /// Reads a unit name; nil when it is not an `app-…` (or `apps-…`)
    /// scope, service or slice with a usable id.
    public init?(_ unit: some StringProtocol) {
        let name = String(unit)
        guard let kind = Kind(name), let body = Self.body(of: name, kind: kind) else { return nil }
        var text = Substring(body)
        var instanced = false
        if kind == .service, let at = text.firstIndex(of: "@") {
            text = text[..<at]
            instanced = true
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard !parts.contains(where: \.isEmpty) else { return nil }
        var candidates: [String] = []
        for end in Self.ends(parts: parts, kind: kind, instanced: instanced) {
            for start in Self.starts(parts: parts, end: end) {
                let escaped = parts[start..<end].joined(separator: "-")
                if let id = Self.unescape(escaped).flatMap(DesktopFileIndex.normalizedID), !candidates.contains(id) {
                    candidates.append(id)
                }
            }
        }
        guard !candidates.isEmpty else { return nil }
        self.unit = name
        self.appIDCandidates = candidates
    }

    /// Undoes systemd's unit name escaping: every `\xNN` is the byte NN.
    /// Nil when the bytes are not UTF-8.
    public static func unescape(_ text: some StringProtocol) -> String? {
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "\\"), index + 3 < utf8.count, utf8[index + 1] == UInt8(ascii: "x"),
                let high = hexValue(utf8[index + 2]), let low = hexValue(utf8[index + 3])
            {
                bytes.append(high << 4 | low)
                index += 4
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The three unit types a desktop puts applications in.
    enum Kind: Sendable, Hashable {
        case scope, service, slice

        init?(_ name: String) {
            if name.hasSuffix(".scope") {
                self = .scope
            } else if name.hasSuffix(".service") {
                self = .service
            } else if name.hasSuffix(".slice") {
                self = .slice
            } else {
                return nil
            }
        }

        var suffix: String {
            switch self {
            case .scope: ".scope"
            case .service: ".service"
            case .slice: ".slice"
            }
        }
    }

    /// The name without `app-`/`apps-` and the type suffix.
    private static func body(of name: String, kind: Kind) -> Substring? {
        let prefixLength: Int
        if name.hasPrefix("app-") {
            prefixLength = 4
        } else if name.hasPrefix("apps-") {
            prefixLength = 5
        } else {
            return nil
        }
        guard name.count > prefixLength + kind.suffix.count else { return nil }
        return name.dropFirst(prefixLength).dropLast(kind.suffix.count)
    }

    /// Where the id may end, most likely first: before the random part
    /// (required for scopes, optional for slices and `-` style services,
    /// absent after `@`), or at the end.
    private static func ends(parts: [Substring], kind: Kind, instanced: Bool) -> [Int] {
        let count = parts.count
        guard count > 1 else { return [count] }
        switch kind {
        case .scope:
            return [count - 1]
        case .service where instanced:
            return [count]
        case .service, .slice:
            return looksRandom(parts[count - 1]) ? [count - 1, count] : [count, count - 1]
        }
    }

    /// Where the id may start: after a launcher name (letters and digits
    /// only, e.g. `gnome`, `KDE`, `flatpak`) when there is one, else at the
    /// start.
    private static func starts(parts: [Substring], end: Int) -> [Int] {
        guard end > 1, parts[0].utf8.allSatisfy(isAlphanumeric) else { return [0] }
        return [1, 0]
    }

    /// A pid, a uuid in hex, or the old `autostart` suffix.
    private static func looksRandom(_ part: Substring) -> Bool {
        if part == "autostart" { return true }
        let hex = part.utf8.allSatisfy { hexValue($0) != nil }
        return hex && (part.utf8.contains { (0x30...0x39).contains($0) } || part.utf8.count >= 16)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
