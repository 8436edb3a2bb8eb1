import BusTestSupport
import DBus
import DBusGLib
import Foundation

/// A small service exported with the `DBus` layer, run on its own loop thread, for the bus tests.
final class TestService: @unchecked Sendable {
    static let name: BusName = "org.trainbell.Test1"
    static let path: ObjectPath = "/org/trainbell/Test1"
    static let interface: InterfaceName = "org.trainbell.Test1"

    let bus: PrivateBus
    let thread = LoopThread()
    var connection: Connection!
    var root: ExportedObject!
    // Touched only on the loop thread (read through `thread.sync`).
    var counter: UInt32 = 7
    var noReplyCalls = 0
    var label = "hello"

    init(bus: PrivateBus, requestName: Bool = true) throws {
        self.bus = bus
        try thread.sync {
            let c = try bus.connect()
            c.attach(to: self.thread.loop)
            self.connection = c
            let root = ExportedObject(path: Self.path, interfaces: [self.table], managesObjects: true)
            self.root = root
            c.export(root)
            if requestName { _ = try c.requestName(Self.name) }
        }
    }

    var table: Interface {
        Interface(Self.interface, documentation: "A test interface.", methods: [
            Method("Echo", in: [Argument("value", .variant)], out: [Argument("same", .variant)],
                   documentation: "Returns its argument.") { call in
                [call.arguments[0]]
            },
            Method("EchoMany", in: [
                Argument("y", .byte), Argument("b", .boolean), Argument("n", .int16), Argument("q", .uint16),
                Argument("i", .int32), Argument("u", .uint32), Argument("x", .int64), Argument("t", .uint64),
                Argument("d", .double), Argument("s", .string), Argument("o", .objectPath), Argument("g", .signature),
            ], out: [Argument("all", .structure([.byte, .boolean, .int16, .uint16, .int32, .uint32, .int64, .uint64,
                                                    .double, .string, .objectPath, .signature]))]) { call in
                [.structure(call.arguments)]
            },
            Method("Fail", in: [Argument("why", .string)]) { call in
                throw BusError("org.trainbell.Test1.Error.Requested", try call.argument(0, as: String.self))
            },
            Method("Count", annotations: [.noReply]) { _ in
                self.noReplyCalls += 1
                return []
            },
            Method("Later", in: [Argument("milliseconds", .uint32)], out: [Argument("done", .string)],
                   deferred: { call, reply in
                       let ms = (try? call.argument(0, as: UInt32.self)) ?? 0
                       self.thread.loop.addTimeout(milliseconds: ms) {
                           reply.succeed([.string("done")])
                           return false
                       }
                   }),
            Method("Never", deferred: { _, _ in }),
            Method("Numbers", in: [Argument("count", .uint32), Argument("bad_at", .uint32)],
                   out: [Argument("numbers", .array(.dictionary(key: .string, value: .variant)))],
                   deferred: { call, reply in
                       let count = (try? call.argument(0, as: UInt32.self)) ?? 0
                       let badAt = (try? call.argument(1, as: UInt32.self)) ?? 0
                       guard let array = reply.arrayReply(of: .dictionary(key: .string, value: .variant)) else { return }
                       var next: UInt32 = 0
                       // Ten elements per turn of the loop; element `bad_at` (from 1) has the wrong type.
                       self.thread.loop.addIdle {
                           var slice: [DBusValue] = []
                           while next < count, slice.count < 10 {
                               next += 1
                               slice.append(next == badAt ? .string("not a dictionary") : .vardict([("n", .uint32(next))]))
                           }
                           do throws(BusError) {
                               try array.append(slice)
                           } catch {
                               array.fail(error)
                               return false
                           }
                           if next < count { return true }
                           array.send()
                           return false
                       }
                   }),
            Method("Shout", in: [Argument("text", .string)]) { call in
                try self.root.emit(Self.interface, "Shouted", [call.arguments[0]])
                return []
            },
        ], properties: [
            Property("Counter", .uint32, get: { .uint32(self.counter) }, set: { value, _ in
                guard case .uint32(let v) = value, v < 1000 else {
                    throw BusError(.invalidArgs, "Counter must be below 1000")
                }
                self.counter = v
            }),
            Property("Label", .string, emitsChange: .invalidates, get: { .string(self.label) }),
        ], signals: [
            SignalDeclaration("Shouted", [Argument("text", .string)], documentation: "Someone shouted."),
        ])
    }

    /// Exports a child under the manager.
    func addChild(_ name: String) throws {
        try thread.sync {
            let child = ExportedObject(path: Self.path.appending(name)!, interfaces: [
                Interface("org.trainbell.Test1.Child", properties: [
                    Property("Name", .string, get: { .string(name) }),
                ]),
            ])
            self.connection.export(child)
        }
    }

    func removeChild(_ name: String) throws {
        try thread.sync { self.connection.unexport(Self.path.appending(name)!) }
    }

    /// Unexports everything (the tables' closures hold the service), closes the connection, stops the loop.
    func stop() {
        guard root != nil else { return }
        try? thread.sync {
            for path in [Self.path] { self.connection.unexport(path) }
            self.connection.close()
        }
        thread.stop()
        root = nil
        connection = nil
    }
}

/// A client connection attached to a loop pumped by the test thread, recording the signals it gets.
final class Client {
    let connection: Connection
    let loop = MainLoop()
    var signals: [Message] = []

    init(bus: PrivateBus) throws {
        connection = try bus.connect()
        connection.attach(to: loop)
    }

    func record(_ rule: MatchRule) throws {
        try connection.subscribe(rule) { [unowned self] message in self.signals.append(message) }
    }

    func call(_ member: MemberName, _ args: [DBusValue] = [], interface: InterfaceName? = TestService.interface,
              path: ObjectPath = TestService.path, timeout: Double = 10) throws(BusError) -> [DBusValue] {
        try connection.call(destination: TestService.name, path: path, interface: interface, member: member, args,
                            timeout: timeout)
    }
}
