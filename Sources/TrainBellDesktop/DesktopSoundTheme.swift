/// The desktop's XDG sound theme: GSettings `org.gnome.desktop.sound` `theme-name` (GNOME, Budgie,
/// and what GTK's settings daemons follow), read when asked.
public enum DesktopSoundTheme {
    /// The theme's name, or nil when the schema is not installed or names none (libcanberra then
    /// looks in freedesktop's theme).
    public static func name() -> String? {
        guard let name = GSettingsKey.string(schema: "org.gnome.desktop.sound", key: "theme-name"), !name.isEmpty else {
            return nil
        }
        return name
    }
}
