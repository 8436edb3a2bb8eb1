import DBus
import Testing

@Suite struct SignatureTests {
    @Test(arguments: [
        "", "y", "b", "n", "q", "i", "u", "x", "t", "d", "s", "o", "g", "h", "v",
        "as", "a{sv}", "a{oa{sa{sv}}}", "(ii)", "a(sa{sv})", "aav", "((s)(i))", "sst a{sv}".replacingSpaces(),
    ])
    func parsesValidSignatures(_ text: String) throws {
        let signature = try Signature(parsing: text)
        #expect(signature.rawValue == text)
    }

    @Test(arguments: [
        ("a", "ends inside a type"),
        ("()", "empty struct"),
        ("(i", "without ')'"),
        ("a{vs}", "not a basic type"),
        ("a{sss}", "exactly a key and a value"),
        ("{ss}", "not a type code"),
        ("z", "not a type code"),
        ("i)", "not a type code"),
    ])
    func rejectsInvalidSignatures(_ text: String, _ reason: String) {
        #expect {
            _ = try Signature(parsing: text)
        } throws: { error in
            guard let e = error as? BusError else { return false }
            return e.name == .invalidSignature && e.message.contains(reason) && e.message.contains("'\(text)'")
        }
    }

    @Test func enforcesTheNestingLimits() throws {
        _ = try Signature(parsing: String(repeating: "a", count: 32) + "i")
        #expect(throws: BusError.self) { try Signature(parsing: String(repeating: "a", count: 33) + "i") }
        _ = try Signature(parsing: String(repeating: "(", count: 32) + "i" + String(repeating: ")", count: 32))
        #expect(throws: BusError.self) {
            try Signature(parsing: String(repeating: "(", count: 33) + "i" + String(repeating: ")", count: 33))
        }
        #expect(throws: BusError.self) { try Signature(parsing: String(repeating: "i", count: 256)) }
    }

    @Test func valuesKnowTheirType() {
        let v = DBusValue.vardict([("a", .int32(1)), ("b", .array(.string, [.string("x")]))])
        #expect(v.type.signature == "a{sv}")
        #expect(DBusValue.structure([.byte(1), .objectPath("/a")]).type.signature == "(yo)")
        #expect([String: UInt32]().dbusValue.type.signature == "a{su}")
        #expect(["a": DBusValue.boolean(true)].dbusValue.type.signature == "a{sv}")
    }

    @Test func swiftTypesRoundTripThroughValues() throws {
        let dict: [String: [UInt64]] = ["a": [1, 2], "b": []]
        #expect(try dict.dbusValue.decode([String: [UInt64]].self) == dict)
        #expect(try DBusValue.variant(.string("x")).decode(String.self) == "x")
        #expect(throws: BusError.self) { try DBusValue.int32(1).decode(String.self) }
    }

    @Test func invalidValuesAreRefusedBeforeTheWire() {
        #expect(throws: BusError.self) { try DBusValue.string("a\u{0}b").validate() }
        #expect(throws: BusError.self) { try DBusValue.array(.string, [.int32(1)]).validate() }
        #expect(throws: BusError.self) { try DBusValue.structure([]).validate() }
    }
}

extension String {
    fileprivate func replacingSpaces() -> String { String(filter { $0 != " " }) }
}
