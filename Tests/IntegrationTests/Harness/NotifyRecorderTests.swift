import BusTestSupport
import DBus
import Foundation
import Testing

/// The recorder pairs each Notify call with its answer, also when the answer is an error from the bus.
@Suite struct NotifyRecorderTests {
    @Test func theRecorderSeesANotifyThatNoServerAnswered() throws {
        let bus = try PrivateBus()
        let recorder = try NotifyRecorder(bus: bus)
        let client = try bus.connect()
        #expect(throws: BusError.self) {
            _ = try client.call(destination: NotificationsBus.name, path: NotificationsBus.path,
                                interface: NotificationsBus.interface, member: "Notify", [
                                    .string("tests"), .uint32(0), .string(""), .string("Nobody"), .string("listens"),
                                    .array(.string, []), .vardict([]), .int32(-1),
                                ])
        }
        let calls = recorder.waitForNotifies(count: 1)
        #expect(calls.map(\.summary) == ["Nobody"])
        #expect(calls.map(\.sender) == [client.uniqueName])
        #expect(calls.map(\.returnedID) == [nil])
    }
}
