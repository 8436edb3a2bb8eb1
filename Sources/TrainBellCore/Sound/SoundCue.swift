/// A sound to play: an event id of the user's XDG sound theme (`complete`, `dialog-error`, looked up
/// in the theme, falling back to freedesktop's) or a sound file given by its absolute path.
public enum SoundCue: Sendable, Hashable, CustomStringConvertible {
    /// A sound-theme event id (libcanberra's `event.id`).
    case themeEvent(String)
    /// A sound file (libcanberra's `media.filename`).
    case file(String)

    /// The cue of a configured sound: an absolute path is a file, anything else a theme event id;
    /// nil for the empty text (silence).
    public init?(configured text: String) {
        guard !text.isEmpty else { return nil }
        self = text.hasPrefix("/") ? .file(text) : .themeEvent(text)
    }

    /// The hint that asks a notification server to play it (`sound-file` or `sound-name`).
    public var hint: (name: String, value: HintValue) {
        switch self {
        case .themeEvent(let id): ("sound-name", .string(id))
        case .file(let path): ("sound-file", .string(path))
        }
    }

    public var description: String {
        switch self {
        case .themeEvent(let id): id
        case .file(let path): path
        }
    }
}
