import DBus
import PropertyBased
import Testing

/// Object-path label escaping, against systemd's own test cases.
@Suite struct BusLabelTests {
    /// Any text, with what escaping must get right: `_`, things that look like escapes, digits, NUL,
    /// multi-byte characters.
    static let text = zip(Gen.int(in: 0...9), Gen<UInt32>.value(in: 0...0x10FFFF)).map { pick, value -> String in
        let tricky = ["_", "_5f", "_zz", "_4", "0", "9", "\0", ".", "-", "日本", "👩‍👩‍👧", "a", "Z"]
        return pick < 5 ? tricky[Int(value) % tricky.count] : String(Character(Unicode.Scalar(value) ?? "\u{FFFD}"))
    }.array(of: 0...16).map { $0.joined() }

    /// systemd's `test_bus_label_escape` cases, plus UTF-8 and ids trainers use.
    @Test(arguments: [
        ("foo123bar", "foo123bar"), ("foo.bar", "foo_2ebar"), ("foo_2ebar", "foo_5f2ebar"), ("", "_"),
        ("_", "_5f"), ("1", "_31"), (":1", "_3a1"), ("bert-base", "bert_2dbase"), ("run 7", "run_207"),
        ("42", "_342"), ("é", "_c3_a9"), ("日", "_e6_97_a5"), ("a/b", "a_2fb"), ("A\u{0}", "A_00"),
    ])
    func escapesAsSystemdDoes(text: String, label: String) {
        #expect(BusLabel.escape(text) == label)
        #expect(BusLabel.unescape(label) == text)
    }

    @Test(arguments: [
        ("_", ""), ("_2E", "."), ("_zz", "_zz"), ("a_4", "a_4"), ("a_", "a_"), ("__5f", "__"), ("_5", "_5"),
    ])
    func unescapesLenientlyAsSystemdDoes(label: String, text: String) {
        #expect(BusLabel.unescape(label) == text)
    }

    @Test func unescapeRefusesBytesThatAreNotUTF8() {
        #expect(BusLabel.unescape("_ff") == nil)
        #expect(BusLabel.unescapedBytes("_ff") == [0xff])
    }

    /// The acceptance criterion: any string round-trips and its label is a
    /// valid object-path element that does not start with a digit.
    @Test func anyStringRoundTripsThroughItsLabel() async {
        await propertyCheck(count: 500, input: Self.text) { text in
            let label = BusLabel.escape(text)
            #expect(
                label.utf8.allSatisfy { byte in
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                        || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
                })
            #expect(!label.isEmpty)
            #expect(label.utf8.first.map { !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } == true)
            #expect(BusLabel.unescape(label).map { Array($0.utf8) } == Array(text.utf8))
        }
    }
}
