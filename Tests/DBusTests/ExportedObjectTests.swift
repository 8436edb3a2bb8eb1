import BusTestSupport
import DBus
import Foundation
import Testing

@Suite(.serialized) struct ExportedObjectTests {
    @Test func propertiesGetGetAllSetAndChangeSignals() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let client = try Client(bus: bus)
        try client.record(MatchRule(sender: TestService.name.rawValue, path: TestService.path,
                                    interface: .properties, member: "PropertiesChanged"))

        #expect(try client.call("Get", [.string("org.trainbell.Test1"), .string("Counter")], interface: .properties)
            == [.variant(.uint32(7))])
        let all = try client.call("GetAll", [.string("org.trainbell.Test1")], interface: .properties)
        #expect(all == [.vardict([("Counter", .uint32(7)), ("Label", .string("hello"))])])

        _ = try client.call("Set", [.string("org.trainbell.Test1"), .string("Counter"), .variant(.uint32(9))],
                            interface: .properties)
        #expect(try service.thread.sync { service.counter } == 9)
        #expect(client.loop.wait { client.signals.count == 1 })
        #expect(try client.signals.first?.arguments() == [
            .string("org.trainbell.Test1"), .vardict([("Counter", .uint32(9))]), .array(.string, []),
        ])

        // A property marked `invalidates` is announced by name only.
        try service.thread.sync {
            service.label = "changed"
            service.root.emitPropertiesChanged(TestService.interface, ["Label"])
        }
        #expect(client.loop.wait { client.signals.count == 2 })
        #expect(try client.signals.last?.arguments() == [
            .string("org.trainbell.Test1"), .vardict([]), .array(.string, [.string("Label")]),
        ])
    }

    @Test func propertyErrorsNameWhatWasWrong() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let client = try Client(bus: bus)
        func error(_ member: MemberName, _ args: [DBusValue]) -> BusError? {
            do { _ = try client.call(member, args, interface: .properties); return nil } catch { return error }
        }
        let wrongType = error("Set", [.string("org.trainbell.Test1"), .string("Counter"), .variant(.string("x"))])
        #expect(wrongType?.name == .invalidArgs)
        #expect(wrongType?.message.contains("'u'") == true && wrongType?.message.contains("'s'") == true)
        #expect(error("Set", [.string("org.trainbell.Test1"), .string("Label"), .variant(.string("x"))])?.name == .propertyReadOnly)
        #expect(error("Get", [.string("org.trainbell.Test1"), .string("Nope")])?.name == .unknownProperty)
        #expect(error("Get", [.string("org.nope.X"), .string("Counter")])?.name == .unknownInterface)
        #expect(error("Set", [.string("org.trainbell.Test1"), .string("Counter"), .variant(.uint32(5000))])?.message
            == "Counter must be below 1000")
        #expect(error("Get", [.string("only one")])?.name == .invalidArgs)
    }

    @Test func objectManagerAnnouncesObjectsAsTheyComeAndGo() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let client = try Client(bus: bus)
        try client.record(MatchRule(sender: TestService.name.rawValue, interface: .objectManager))

        try service.addChild("job_2d1")
        #expect(client.loop.wait { client.signals.count == 1 })
        let added = try client.signals[0].arguments()
        #expect(client.signals[0].member == "InterfacesAdded")
        #expect(added.first == .objectPath("/org/trainbell/Test1/job_2d1"))
        let interfaces = added.last?.stringKeyedEntries
        #expect(interfaces?["org.trainbell.Test1.Child"] == .vardict([("Name", .string("job_2d1"))]))
        #expect(interfaces?.keys.contains("org.freedesktop.DBus.Properties") == true)

        let managed = try client.call("GetManagedObjects", interface: .objectManager)
        guard case .dictionary(.objectPath, _, let entries)? = managed.first else {
            Issue.record("GetManagedObjects answered \(managed)")
            return
        }
        #expect(entries.map(\.key) == [.objectPath("/org/trainbell/Test1/job_2d1")])

        try service.removeChild("job_2d1")
        #expect(client.loop.wait { client.signals.count == 2 })
        #expect(client.signals[1].member == "InterfacesRemoved")
        let removed = try client.signals[1].arguments()
        #expect(removed.first == .objectPath("/org/trainbell/Test1/job_2d1"))
        #expect(removed.last?.arrayItems?.contains(.string("org.trainbell.Test1.Child")) == true)
        let after = try client.call("GetManagedObjects", interface: .objectManager)
        #expect(after == [.dictionary(key: .objectPath, value: .dictionary(key: .string, value: .dictionary(key: .string, value: .variant)), [])])
    }

    @Test func introspectionListsInterfacesAndChildren() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        try service.addChild("a")
        let client = try Client(bus: bus)
        let xml = try client.call("Introspect", interface: .introspectable).first?.stringValue ?? ""
        #expect(xml.hasPrefix("<!DOCTYPE node PUBLIC"))
        #expect(xml.contains("<interface name=\"org.trainbell.Test1\">"))
        #expect(xml.contains("<arg name=\"value\" type=\"v\" direction=\"in\"/>"))
        #expect(xml.contains("<annotation name=\"org.freedesktop.DBus.Method.NoReply\" value=\"true\"/>"))
        #expect(xml.contains("<property name=\"Label\" type=\"s\" access=\"read\">"))
        #expect(xml.contains("<property name=\"Counter\" type=\"u\" access=\"readwrite\"/>"))
        #expect(xml.contains("<interface name=\"org.freedesktop.DBus.ObjectManager\">"))
        #expect(xml.contains("<node name=\"a\"/>"))
        // Intermediate nodes introspect too, listing their children.
        let parent = try client.call("Introspect", interface: .introspectable, path: "/org/trainbell").first?.stringValue ?? ""
        #expect(parent.contains("<node name=\"Test1\"/>"))
        #expect(!parent.contains("org.trainbell.Test1\""))
    }

    @Test func introspectionIsValidAgainstTheDTD() throws {
        let xmllint = try requireTool("xmllint", package: "libxml2-utils")
        let dtd = "/usr/share/xml/dbus-1/introspect.dtd"
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        try service.addChild("a")
        let client = try Client(bus: bus)
        let scratch = try TemporaryDirectory()
        for path: ObjectPath in ["/", "/org/trainbell", TestService.path, "/org/trainbell/Test1/a"] {
            let xml = try client.call("Introspect", interface: .introspectable, path: path).first?.stringValue ?? ""
            let file = scratch.path + "/node.xml"
            try xml.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try runCommand(xmllint, ["--noout", "--dtdvalid", dtd, file])
            #expect(result.status == 0, "xmllint rejected the XML of \(path): \(result.stderr)\n\(xml)")
        }
    }
}
