import BusTestSupport
import DBus
import Glibc
import Testing

/// Every type and nesting goes through a real bus and comes back equal.
@Suite(.serialized) struct MessageRoundTripTests {
    static var samples: [DBusValue] {
        var deepArray: DBusValue = .int32(7)
        var arrayType: DBusType = .int32
        for _ in 0..<31 {
            deepArray = .array(arrayType, [deepArray])
            arrayType = .array(arrayType)
        }
        var deepStruct: DBusValue = .string("core")
        for _ in 0..<30 { deepStruct = .structure([deepStruct]) }
        var deepVariant: DBusValue = .boolean(true)
        for _ in 0..<20 { deepVariant = .variant(deepVariant) }
        return [
            .byte(0), .byte(255), .boolean(true), .boolean(false),
            .int16(.min), .int16(.max), .uint16(.max), .int32(.min), .int32(.max), .uint32(.max),
            .int64(.min), .int64(.max), .uint64(.max), .uint64(0),
            .double(0), .double(-1.5e300), .double(.infinity), .double(.leastNonzeroMagnitude),
            .string(""), .string("héllo ✓ 🎉 \u{1}\u{7f}"), .string(String(repeating: "x", count: 1 << 20)),
            .objectPath("/"), .objectPath("/org/trainbell/TrainBell1/job/run_2d42"),
            .signature(""), .signature("a{oa{sa{sv}}}"),
            .array(.string, []), .array(.byte, (0...255).map { .byte(UInt8($0)) }),
            .array(.double, [.double(1), .double(2)]),
            .dictionary(key: .string, value: .variant, []),
            .vardict([("progress", .double(0.5)), ("count", .int64(2)), ("nested", .vardict([("x", .objectPath("/a"))]))]),
            .dictionary(key: .uint32, value: .array(.string), [DictEntry(.uint32(1), .array(.string, [.string("a")]))]),
            .dictionary(key: .objectPath, value: .dictionary(key: .string, value: .dictionary(key: .string, value: .variant)), [
                DictEntry(.objectPath("/a"), .dictionary(key: .string, value: .dictionary(key: .string, value: .variant), [
                    DictEntry(.string("i.f"), .vardict([("p", .uint64(1))])),
                ])),
            ]),
            .structure([.int32(1), .string("two"), .array(.structure([.byte, .variant]), [
                .structure([.byte(3), .variant(.double(4))]),
            ])]),
            .variant(.array(.variant, [.variant(.int16(1)), .variant(.string("s"))])),
            deepArray, deepStruct, deepVariant,
        ]
    }

    @Test func everyTypeAndNestingRoundTrips() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let client = try Client(bus: bus)
        for value in Self.samples {
            let reply = try client.call("Echo", [.variant(value)])
            #expect(reply == [.variant(value)], "type \(value.type.signature)")
        }
    }

    @Test func basicTypesAsSeparateArguments() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let client = try Client(bus: bus)
        let args: [DBusValue] = [.byte(1), .boolean(true), .int16(-2), .uint16(3), .int32(-4), .uint32(5),
                                 .int64(-6), .uint64(7), .double(8.5), .string("nine"), .objectPath("/ten"),
                                 .signature("a{sv}")]
        #expect(try client.call("EchoMany", args) == [.structure(args)])
    }

    @Test func unixFileDescriptorsArePassed() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let client = try Client(bus: bus)
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let reply = try client.call("Echo", [.variant(.unixFD(fds[1]))])
        guard case .variant(.unixFD(let received))? = reply.first else {
            Issue.record("no fd came back: \(reply)")
            return
        }
        #expect(received != fds[1])
        defer { close(received) }
        #expect(write(received, "ok", 2) == 2)
        var buffer = [UInt8](repeating: 0, count: 2)
        #expect(read(fds[0], &buffer, 2) == 2)
        #expect(buffer == Array("ok".utf8))
    }
}
