import BusTestSupport
import DBus
import Foundation
import Glibc
import Testing

/// Peers that try to hurt the daemon: it keeps running, and keeps its descriptors and memory.
@Suite(.serialized) struct HostilePeerTests {
    static func descriptorCount(_ pid: pid_t) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    @Test func descriptorsSentWithCallsAreNotKept() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        let pid = try #require(daemon.process?.pid)
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        try client.call("GetDoNotDisturb")
        let before = Self.descriptorCount(pid)
        for _ in 0..<200 {
            // Send with a descriptor tucked into its options, and a call to no method at all.
            _ = client.error("Send", [.string("s"), .string(""), .vardict([("x", .unixFD(fds[0]))])])
            _ = client.error("Nope", [.unixFD(fds[1])])
        }
        try client.call("GetDoNotDisturb")
        #expect(Self.descriptorCount(pid) <= before + 2, "the daemon kept descriptors: \(before) → \(Self.descriptorCount(pid))")
    }

    @Test func aForgedNameLostDoesNotStopTheDaemon() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        let owner = try #require(client.connection.nameOwner(DaemonProcess.busName))
        try client.connection.emitSignal(path: "/org/freedesktop/DBus", interface: .bus, member: "NameLost",
                                         [.string(DaemonProcess.busName.rawValue)], destination: owner)
        // A call after it from the same connection is answered after the daemon dispatched it.
        try client.call("Ping", interface: .peer)
        #expect(daemon.process?.isRunning == true)
        #expect(try client.call("GetDoNotDisturb").count == 2)
    }

    @Test func aHugeArrayIsRefusedWithoutExhaustingMemory() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        // 8 MiB of bytes: 8M values, twice what one message may hold.
        let bytes = DBusValue.array(.byte, Array(repeating: .byte(7), count: 8 << 20))
        let error = client.error("Send", [.string("s"), .string(""), .vardict([("hints", .vardict([("x", bytes)]))])])
        #expect(error?.name == .invalidArgs || error?.name == .limitsExceeded, "\(String(describing: error))")
        #expect(daemon.process?.isRunning == true)
        #expect(try client.call("GetDoNotDisturb").count == 2)
    }
}
