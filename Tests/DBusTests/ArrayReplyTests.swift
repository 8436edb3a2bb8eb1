import BusTestSupport
import DBus
import Testing

/// A reply written a slice per turn of the loop (`ArrayReply`), as `GetNotifications` writes its
/// records: all of it arrives in order, and an element of the wrong type fails the whole call.
@Suite(.serialized) struct ArrayReplyTests {
    @Test func aReplyWrittenInSlicesArrivesWholeAndInOrder() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let client = try Client(bus: bus)
        let reply = try client.call("Numbers", [.uint32(1_005), .uint32(0)])
        let numbers = (reply.first?.arrayItems ?? []).compactMap { $0.stringKeyedEntries?["n"]?.unwrapped }
        #expect(numbers == (1...1_005).map { DBusValue.uint32($0) })
        #expect(try client.call("Numbers", [.uint32(0), .uint32(0)]) == [.array(.dictionary(key: .string, value: .variant), [])])
    }

    @Test func anElementOfTheWrongTypeFailsTheReplyNamingBothTypes() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let client = try Client(bus: bus)
        #expect {
            _ = try client.call("Numbers", [.uint32(100), .uint32(55)])
        } throws: { error in
            let e = error as? BusError
            return e?.name == .invalidArgs && e?.message == "array of 'a{sv}' holds an element of type 's'"
        }
        // The service still answers.
        #expect(try client.call("Numbers", [.uint32(3), .uint32(0)]).first?.arrayItems?.count == 3)
    }
}
