import Testing
@testable import TrainBellCore

@Suite struct JSONStringTests {
    @Test(arguments: [
        ("plain", "\"plain\""), ("a\"b", "\"a\\\"b\""), ("back\\slash", "\"back\\\\slash\""),
        ("l1\nl2\r\t", "\"l1\\nl2\\r\\t\""), ("\u{08}\u{0C}", "\"\\b\\f\""), ("\u{01}\u{7f}", "\"\\u0001\\u007f\""),
        ("日本 👩‍👩‍👧", "\"日本 👩‍👩‍👧\""), ("", "\"\""),
    ])
    func escapesWhatJSONRequires(_ text: String, _ json: String) {
        #expect(JSONString.quoted(text) == json)
    }
}
