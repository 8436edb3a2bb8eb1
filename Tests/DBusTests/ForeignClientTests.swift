import BusTestSupport
import DBus
import Testing

/// A client that is not ours (GDBus's `gdbus`) talks to an object exported with `DBus`.
@Suite(.serialized) struct ForeignClientTests {
    @Test func gdbusCallsReadsPropertiesAndIntrospects() throws {
        let gdbus = try requireTool("gdbus", package: "libglib2.0-bin")
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let common = ["--address", bus.address, "--dest", "org.trainbell.Test1", "--object-path", "/org/trainbell/Test1"]

        let call = try runCommand(gdbus, ["call"] + common + ["--method", "org.trainbell.Test1.Echo", "<'hi'>"])
        #expect(call.status == 0, "\(call.stderr)")
        #expect(call.stdout == "(<'hi'>,)\n")

        let many = try runCommand(gdbus, ["call"] + common + ["--method", "org.trainbell.Test1.EchoMany",
            "byte 1", "true", "int16 -2", "uint16 3", "int32 -4", "uint32 5", "int64 -6", "uint64 7", "8.5", "nine",
            "objectpath '/ten'", "signature 'a{sv}'"])
        #expect(many.status == 0, "\(many.stderr)")
        #expect(many.stdout == "((byte 0x01, true, int16 -2, uint16 3, -4, uint32 5, int64 -6, uint64 7, 8.5, 'nine', objectpath '/ten', signature 'a{sv}'),)\n")

        let property = try runCommand(gdbus, ["call"] + common + ["--method", "org.freedesktop.DBus.Properties.Get",
                                                                  "org.trainbell.Test1", "Counter"])
        #expect(property.stdout == "(<uint32 7>,)\n")

        let introspect = try runCommand(gdbus, ["introspect"] + common)
        #expect(introspect.status == 0, "\(introspect.stderr)")
        #expect(introspect.stdout.contains("interface org.trainbell.Test1 {"))
        #expect(introspect.stdout.contains("Echo(in  v value,"))
        #expect(introspect.stdout.contains("readwrite u Counter = 7;"))
    }
}
