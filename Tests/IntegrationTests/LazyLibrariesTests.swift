import BusTestSupport
import Foundation
import Testing

/// libmosquitto and libcanberra are loaded at their first use (CLazyLibraries), not at start: a
/// trainbelld that follows no broker and plays no sound maps neither, nor what they bring (OpenSSL,
/// libvorbis, libltdl).
@Suite(.serialized) struct LazyLibrariesTests {
    static func mapped(_ daemon: DaemonProcess) -> String {
        guard let pid = daemon.process?.pid else { return "" }
        // /proc files say they are empty: read to the end, as cat does.
        return (try? FileHandle(forReadingAtPath: "/proc/\(pid)/maps")?.readToEnd()).flatMap { $0.map { String(decoding: $0, as: UTF8.self) } } ?? ""
    }

    @Test func aDaemonWithNoBrokerAndASoundingServerMapsNeitherLibrary() throws {
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus, configuration: .init(capabilities: ["actions", "body", "sound"]))
        defer { server.stop(); bus.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        _ = try client.startJob("lazy-1", total: 10)
        _ = try client.api.reportError("lazy-1", message: "CUDA out of memory", type: "oom_error")
        _ = try client.api.completeJob("lazy-1", message: "done")
        #expect(server.waitForNotifies(count: 2).count == 2)
        let maps = Self.mapped(daemon)
        #expect(maps.contains("libdbus-1"), "the maps were read")
        for library in ["libmosquitto", "libcanberra", "libssl", "libvorbis"] {
            #expect(!maps.contains(library), "\(library) is mapped though nothing needed it")
        }
    }

    @Test func aBrokerLoadsLibmosquittoAndTheLinkWorks() throws {
        let broker = try MosquittoBroker()
        let bus = try PrivateBus()
        defer { bus.stop(); broker.stop() }
        let daemon = try DaemonProcess(bus: bus, configuration: broker.remoteConfiguration(clientID: "trainbelld-lazy"))
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        #expect(BrokerTests.eventually { BrokerTests.property(client, "RemoteState") == .string("connected") }, "log:\n\(daemon.log)")
        #expect(Self.mapped(daemon).contains("libmosquitto.so"))
    }
}
