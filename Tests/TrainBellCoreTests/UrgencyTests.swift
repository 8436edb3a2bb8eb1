import Testing
import TrainBellCore

/// Urgency parsing, order and wire byte.
@Suite struct UrgencyTests {
    @Test(arguments: [
        ("low", Urgency.low), ("LOW", .low), ("  Normal\n", .normal), ("high", .high), ("Critical", .critical),
        ("CRITICAL", .critical), ("0", .low), ("1", .normal), ("2", .critical), (" 2 ", .critical),
    ])
    func parsesLeniently(text: String, expected: Urgency) throws {
        #expect(Urgency(lenient: text) == expected)
        #expect(try Urgency.parse(text) == expected)
    }

    @Test(arguments: ["", " ", "3", "-1", "urgent", "hi", "lowest", "critical!", "1.0"])
    func rejectsUnknownSpellingsNamingThem(text: String) {
        #expect(Urgency(lenient: text) == nil)
        #expect {
            try Urgency.parse(text)
        } throws: { error in
            let message = (error as? ValidationError)?.message ?? ""
            return message.contains("\"\(text)\"") && message.contains("low, normal, high, critical")
        }
    }

    @Test func readsTheWireByteFromAnyIntegerType() {
        #expect(Urgency(wireByte: UInt8(0)) == .low)
        #expect(Urgency(wireByte: UInt32(1)) == .normal)
        #expect(Urgency(wireByte: Int32(2)) == .critical)
        #expect(Urgency(wireByte: Int32(-1)) == nil)
        #expect(Urgency(wireByte: UInt8(3)) == nil)
    }

    @Test(arguments: [(Urgency.low, UInt8(0)), (.normal, 1), (.high, 2), (.critical, 2)])
    func writesTheWireByte(urgency: Urgency, byte: UInt8) {
        #expect(urgency.wireByte == byte)
    }

    @Test func isOrderedFromLowToCritical() {
        #expect(Urgency.allCases.sorted() == [.low, .normal, .high, .critical])
        #expect(Urgency.low < .normal && .normal < .high && .high < .critical)
        #expect(Urgency.allCases.filter(\.neverExpires) == [.critical])
    }

    @Test func rawValuesAreTheBusNames() {
        #expect(Urgency.allCases.map(\.rawValue) == ["low", "normal", "high", "critical"])
    }
}
