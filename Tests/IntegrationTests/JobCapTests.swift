import BusTestSupport
import DBus
import Testing
import TrainBellAPI

/// The cap on jobs kept (issue 17 item 4): past 10,000 running jobs a new id is refused clearly, and
/// `ActiveJobs` counts what runs.
@Suite(.serialized) struct JobCapTests {
    @Test func theTenThousandAndFirstJobIsRefusedAndTheCountIsRight() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let daemon = try DaemonProcess(bus: bus, arguments: ["--log-level", "warning"])
        defer { daemon.stop() }
        let connection = try bus.connect()
        let client = TrainBellClient(connection: connection)
        for index in 0..<10_000 {
            try client.reportProgress("job-\(index)", step: 1, total: 100, noReply: true)
        }
        connection.flush()
        let active = { () throws -> UInt32? in
            try connection.call(destination: TrainBellBus.name, path: TrainBellBus.path, interface: .properties, member: "Get",
                                [.string(TrainBellBus.interface.rawValue), .string("ActiveJobs")], timeout: 60)
                .first.flatMap { UInt32(dbusValue: $0) }
        }
        #expect(try active() == 10_000)
        for extra in ["job-10000", "job-10001"] {
            do {
                try client.reportProgress(extra, step: 1, total: 100, timeout: 60)
                Issue.record("\(extra) was taken past the cap")
            } catch {
                #expect(error.name == .limitsExceeded, "\(error)")
                #expect(error.message.contains("10000 jobs are running"), "\(error.message)")
            }
        }
        #expect(try active() == 10_000)
        // An ended job makes room: its id goes, the new one comes.
        try client.cancelJob("job-0", timeout: 60)
        try client.reportProgress("job-10000", step: 1, total: 100, timeout: 60)
        #expect(try active() == 10_000)
    }
}
