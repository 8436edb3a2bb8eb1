import PropertyBased
import Testing
import TrainBellCore

@testable import TrainBellDaemon

/// The `actions` column without Foundation: what GRDB's `JSONEncoder` wrote still reads back.
@Suite struct ActionListJSONTests {
    @Test func theJSONOfJSONEncoderReadsBack() {
        // As JSONEncoder wrote it (members in any order, "\/" and "\u" escapes), and by hand.
        #expect(
            ActionListJSON.decode(#"[{"label":"View Details","key":"details"},{"label":"Retry","key":"retry"}]"#)
                == [.details, .retry])
        #expect(
            ActionListJSON.decode(#" [ { "key" : "a\/b" , "label" : "\u00e9\ud83e\udde0\t\"\\\n\u0001" } ] "#)
                == [NotificationAction(key: "a/b", label: "é🧠\t\"\\\n\u{01}")])
        #expect(ActionListJSON.decode("[]") == [])
        #expect(ActionListJSON.decode(#"[{"key":"k","label":"\ud800"}]"#) == [NotificationAction(key: "k", label: "\u{FFFD}")])
    }

    @Test(arguments: [
        "", "[", "[{}]", #"[{"key":"k"}]"#, #"[{"key":"k","label":"l","extra":"x"}]"#, #"[{"key":"k","key":"k","label":"l"}]"#,
        #"[{"key":1,"label":"l"}]"#, #"[{"key":"k","label":"l"},]"#, #"[{"key":"k","label":"l"}] x"#, #"[{"key":"\q","label":""}]"#,
        #"[{"key":"\u12","label":""}]"#, #"[{"key":"open"#,
    ])
    func somethingElseIsRefused(text: String) {
        #expect(ActionListJSON.decode(text) == nil)
    }

    @Test func everyListRoundTrips() async {
        let text = Gen<Character>.oneOf(
            Gen.character(in: "\u{01}"..."\u{7F}"), Gen.character(in: "À"..."ž"), Gen.character(in: "😀"..."🙏")
        ).string(of: 0...10)
        let actions = zip(text, text).map { NotificationAction(key: $0, label: $1) }.array(of: 0...4)
        await propertyCheck(count: 200, input: actions) { actions in
            #expect(ActionListJSON.decode(ActionListJSON.encode(actions)) == actions)
        }
    }
}
