import BusTestSupport
import DBus
import Foundation
import Testing

/// `GetNotifications` on a history larger than a reply (issue 18, defect 6): it loaded the whole
/// history to keep the newest 32 MiB, for seconds, with the loop blocked meanwhile. Now it reads only
/// what the reply holds, a page per turn of the loop; the figures are in `trainbell-bench history`.
@Suite(.serialized) struct HistoryReplyTests {
    @Test func aHistoryLargerThanAReplyAnswersWithItsNewestRecordsOldestFirst() throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        let filler = String(repeating: "x", count: 1 << 20)
        var ids: [UInt64] = []
        for index in 0..<40 {
            // Distinct messages (identical ones would collapse), cut to 1 MiB at the door.
            ids.append(try client.api.reportError("big-\(index % 3)", message: "\(index) " + filler, type: "data_error", timeout: 60))
        }
        // Pinged from another connection while the reply is written: answered.
        let other = try DaemonClient(bus: bus, recordSignals: false)
        let records = try client.history()
        try other.call("Ping", interface: "org.freedesktop.DBus.Peer")

        let got = records.compactMap { $0["id"].flatMap { UInt64(dbusValue: $0) } }
        // 32 MiB hold 31 records of 1 MiB and their other fields: the newest 31, oldest first.
        #expect(got == Array(ids.suffix(31)))
        let text = records.reduce(0) { $0 + ($1["message"]?.stringValue?.utf8.count ?? 0) }
        #expect(text <= 32 << 20)
        #expect(records.last?["message"]?.stringValue?.hasPrefix("39 xxx") == true)
        // One job's history likewise, within the same budget.
        let ofJob = try client.history("big-0").compactMap { $0["id"].flatMap { UInt64(dbusValue: $0) } }
        #expect(ofJob == ids.enumerated().filter { $0.offset % 3 == 0 }.map(\.element))
    }
}
