/// A desktop entry id (freedesktop Desktop Entry specification): the name of an application's
/// `.desktop` file without the suffix, `org.gnome.Terminal` for `org.gnome.Terminal.desktop`. The
/// rule of the suffix lives here only: trainers, the configuration and the desktop files may name an
/// app with or without it; trainbell keeps it without, and adds it where a file name is wanted.
public struct AppID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let fileSuffix = ".desktop"
    /// The longest id accepted, in bytes (a file name).
    public static let maximumBytes = 255

    /// The id, without `.desktop`.
    public let rawValue: String

    /// The id `text` names, with or without `.desktop`; nil when it cannot be one: empty, longer
    /// than 255 bytes, starting with `.`, or holding `/` or a control character.
    public init?(_ text: some StringProtocol) {
        let id = Self.stripping(text)
        guard !id.isEmpty, id.utf8.count <= Self.maximumBytes, !id.hasPrefix("."),
              !id.unicodeScalars.contains(where: { $0 == "/" || $0.value < 0x20 || $0.value == 0x7f })
        else { return nil }
        rawValue = id
    }

    /// `text` without a trailing `.desktop` (and unchanged otherwise).
    public static func stripping(_ text: some StringProtocol) -> String {
        text.hasSuffix(fileSuffix) ? String(text.dropLast(fileSuffix.count)) : String(text)
    }

    /// The file name of the entry `text` names: with `.desktop`, added when missing.
    public static func desktopFileName(_ text: some StringProtocol) -> String {
        stripping(text) + fileSuffix
    }

    /// `<id>.desktop`.
    public var desktopFileName: String { rawValue + Self.fileSuffix }
    public var description: String { rawValue }
    public static func < (a: AppID, b: AppID) -> Bool { a.rawValue < b.rawValue }
}
