import Testing
@testable import TrainBellCore

/// `AppID`: the `.desktop` rule in one place.
@Suite struct AppIDTests {
    @Test(arguments: [
        ("org.gnome.Terminal", "org.gnome.Terminal"), ("org.gnome.Terminal.desktop", "org.gnome.Terminal"),
        ("code", "code"), ("kde-konsole.desktop", "kde-konsole"),
    ])
    func theIdIsKeptWithoutTheSuffix(_ text: String, _ id: String) throws {
        let app = try #require(AppID(text))
        #expect(app.rawValue == id)
        #expect(app.desktopFileName == id + ".desktop")
        #expect(AppID.desktopFileName(text) == id + ".desktop")
        #expect(AppID.stripping(text) == id)
    }

    @Test(arguments: ["", ".desktop", ".hidden", "a/b", "tab\tin", "del\u{7f}", String(repeating: "a", count: 256)])
    func whatCannotBeAnEntryIdIsRefused(_ text: String) {
        #expect(AppID(text) == nil, "\(text.debugDescription)")
    }

    @Test func onlyATrailingSuffixIsStripped() {
        #expect(AppID.stripping("a.desktop.b") == "a.desktop.b")
        #expect(AppID.stripping("a.desktop.desktop") == "a.desktop")
        #expect(AppID(String(repeating: "a", count: 255) + ".desktop")?.rawValue.count == 255)
    }
}
