import PropertyBased
import Testing
@testable import TrainBellCore

@Suite struct JSONParserTests {
    @Test(arguments: [
        ("null", JSONValue.null), ("true", .bool(true)), (" false ", .bool(false)), ("0", .number(0)), ("-1.5e3", .number(-1500)),
        ("\"a\\n\\u00e9\\ud83d\\ude00\"", .string("a\né😀")), ("[1,[2]]", .array([.number(1), .array([.number(2)])])),
        ("{\"a\":1,\"a\":2}", .object(["a": .number(2)])), ("{}", .object([:])), ("[]", .array([])),
        ("-Infinity", .number(-.infinity)), ("Infinity", .number(.infinity)),
    ])
    func readsValues(_ text: String, _ value: JSONValue) throws {
        #expect(try JSONParser.parse(text) == value)
    }

    @Test func readsPythonNaN() throws {
        #expect(try JSONParser.parse("NaN").numberValue?.isNaN == true)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\"}", "{\"a\":}", "01", "1.", "1e", "-", "\"\\x\"", "\"\\ud800\"", "\"\\udc00x\"", "\"a\nb\"",
        "tru", "nul", "1 2", "{\"a\":1,}", "\"unterminated", "[\"a\" \"b\"]", "+1", ".5", "NaNa",
    ])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func refusesDeepNestingWithoutOverflowingTheStack() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(String(repeating: "[", count: 100_000)) }
        #expect(throws: Never.self) { try JSONParser.parse(String(repeating: "[", count: 32) + String(repeating: "]", count: 32)) }
    }

    @Test func encodedTextReadsBackToTheSameValue() async {
        await propertyCheck(count: 300, input: TestGen.string, Gen.int(in: -1_000_000...1_000_000)) { text, number in
            let value = JSONValue.object(["s": .string(text), "n": .number(Double(number)), "a": .array([.bool(true), .null])])
            #expect((try? JSONParser.parse(value.encoded)) == value)
        }
    }

    @Test func anyBytesAreReadOrRefusedNeverATrap() async {
        await propertyCheck(count: 500, input: Gen.uint8().array(of: 0...200)) { bytes in
            _ = try? JSONParser.parse(bytes)
        }
    }
}
