import PropertyBased
import Testing
import TrainBellCore

/// Job id validation and the job's object-path label.
@Suite struct JobIDTests {
    @Test(arguments: [
        "a", "bert-base", "run 7", "日本語のジョブ", "👩‍👩‍👧", String(repeating: "x", count: 128),
        String(repeating: "é", count: 64), "tab\u{a0}nbsp",
    ])
    func acceptsText(text: String) throws {
        #expect(try JobID(text).rawValue == text)
    }

    /// What every rejection ends with.
    static let accepted = "a job id is 1 to 128 bytes of UTF-8 text without control characters"

    @Test(arguments: [
        ("", "the job id is empty"),
        (String(repeating: "x", count: 129), "the job id is 129 bytes long"),
        (String(repeating: "é", count: 65), "the job id is 130 bytes long"),
        ("run\n7", "the job id contains the control character U+000A at character 4"),
        ("\0", "the job id contains the control character U+0000 at character 1"),
        ("a\u{7f}", "the job id contains the control character U+007F at character 2"),
        ("a\u{85}", "the job id contains the control character U+0085 at character 2"),
        ("\u{9f}", "the job id contains the control character U+009F at character 1"),
    ])
    func rejectsWithAMessageSayingWhatIsWrongAndAccepted(text: String, problem: String) {
        #expect(throws: ValidationError("\(problem); \(Self.accepted)")) { try JobID(text) }
    }

    @Test func rejectsBytesThatAreNotUTF8() throws {
        #expect(throws: ValidationError("the job id is not valid UTF-8; \(Self.accepted)")) {
            try JobID(utf8: [0x61, 0xff])
        }
        #expect(try JobID(utf8: Array("ok".utf8)).rawValue == "ok")
    }

    /// Validation against an independent statement of the rule, for any
    /// string.
    @Test func acceptsExactlyTheDocumentedIDs() async {
        await propertyCheck(count: 500, input: TestGen.string) { text in
            let hasControl = text.unicodeScalars.contains { $0.properties.generalCategory == .control }
            let shouldAccept = !text.isEmpty && text.utf8.count <= 128 && !hasControl
            let id = try? JobID(text)
            #expect((id != nil) == shouldAccept, "\(text.debugDescription)")
        }
    }
}
