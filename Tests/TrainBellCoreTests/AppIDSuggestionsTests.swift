import Testing
import TrainBellCore

/// "did you mean …?" for an app id no dock can show.
@Suite struct AppIDSuggestionsTests {
    static let installed = ["debian-xterm", "debian-uxterm", "org.gnome.Terminal", "org.kde.konsole", "code", "firefox-esr", "kitty"]

    @Test(arguments: [
        ("xterm", ["debian-xterm", "debian-uxterm"]),
        ("Terminal", ["org.gnome.Terminal"]),
        ("konsole.desktop", ["org.kde.konsole"]),
        ("firefox", ["firefox-esr"]),
        ("kity", ["kitty"]),
        ("kit", ["kitty"]),    // contained
        ("ktt", []),           // too short to guess from edits
        ("konsol", ["org.kde.konsole"]),
        ("gimp", []),
        ("", []),
    ])
    func suggestsTheClosestInstalledIDs(id: String, expected: [String]) {
        #expect(AppIDSuggestions.closest(to: id, among: Self.installed) == expected)
    }

    @Test func anInstalledIDIsNotSuggestedForItself() {
        #expect(AppIDSuggestions.closest(to: "code", among: ["code"]) == [])
    }
}
