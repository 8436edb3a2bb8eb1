import BusTestSupport
import DBus
import Foundation
import Testing

/// `dbus/*.xml` stays equal to what the daemon exports, and valid against the introspection DTD.
@Suite(.serialized) struct InterfaceFileTests {
    static var projectRoot: String {
        var dir = #filePath
        for _ in 0..<3 { dir = (dir as NSString).deletingLastPathComponent }
        return dir
    }

    @Test func theInterfaceFilesEqualTheLiveIntrospection() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)

        let rootFile = try String(contentsOfFile: Self.projectRoot + "/dbus/org.trainbell.TrainBell1.xml", encoding: .utf8)
        let root = try client.call("Introspect", interface: .introspectable).first?.stringValue
        #expect(root == rootFile, "regenerate dbus/org.trainbell.TrainBell1.xml from the live introspection")

        _ = try client.startJob("example", total: 1)
        let jobFile = try String(contentsOfFile: Self.projectRoot + "/dbus/org.trainbell.TrainBell1.Job.xml", encoding: .utf8)
        let job = try client.call("Introspect", interface: .introspectable, path: "/org/trainbell/TrainBell1/job/example").first?.stringValue
        #expect(job == jobFile, "regenerate dbus/org.trainbell.TrainBell1.Job.xml from the live introspection")
    }

    @Test(arguments: ["org.trainbell.TrainBell1.xml", "org.trainbell.TrainBell1.Job.xml"])
    func theInterfaceFilesAreValid(_ name: String) throws {
        let xmllint = try requireTool("xmllint", package: "libxml2-utils")
        let result = try runCommand(xmllint, ["--noout", "--dtdvalid", "/usr/share/xml/dbus-1/introspect.dtd",
                                              Self.projectRoot + "/dbus/" + name])
        #expect(result.status == 0, "\(result.stderr)")
    }
}
