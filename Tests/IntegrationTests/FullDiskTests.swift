import BusTestSupport
import DBus
import Foundation
import Glibc
import Testing

/// What the daemon does when its state directory is full: the history is degraded, the jobs and the
/// notifications are not.
@Suite(.serialized) struct FullDiskTests {
    /// On a full disk StartJob("ghost") failed with Error.Failed, yet ActiveJobs became 1 and the job
    /// had no bus object; ReportError and CompleteJob returned record 0 without error meanwhile. One
    /// rule now: the job and its object exist whether or not the save worked, every method succeeds,
    /// and a record the history could not keep is 0.
    @Test func aFailedSaveLeavesNoGhostJob() throws {
        let disk = try SmallFilesystem(kilobytes: 768)
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let daemon = try DaemonProcess(bus: bus, environment: ["XDG_STATE_HOME": disk.path])
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus)
        _ = try client.startJob("before", total: 10)
        try disk.fill()

        let path = try client.startJob("ghost", title: "Ghost run", total: 100)
        #expect(path == "/org/trainbell/TrainBell1/job/ghost")
        let active = try client.call("Get", [.string(DaemonProcess.interface.rawValue), .string("ActiveJobs")], interface: .properties)
        #expect(active.first?.unwrapped == .uint32(2))
        // The job's object answers: it exists on the bus, not only in the table.
        let id = try client.call("Get", [.string("org.trainbell.TrainBell1.Job"), .string("Id")], interface: .properties,
                                 path: "/org/trainbell/TrainBell1/job/ghost")
        #expect(id.first?.unwrapped == .string("ghost"))

        try client.progress("ghost", 50)
        // Whatever the history kept or not, each answers a record (0 = not kept), none an error.
        _ = try client.api.reportError("ghost", message: "CUDA out of memory", type: "oom_error")
        _ = try client.api.reportWarning("ghost", message: "slow loader")
        _ = try client.api.completeJob("ghost", message: "stopped early")

        // And the user saw every one of them.
        #expect(server.waitForNotifies(count: 4).map(\.summary) == [
            "Training Halfway There!", "Training Error", "Training Warning", "Training Complete! 🎉",
        ], "log:\n\(daemon.log)")
        let state = try client.call("Get", [.string("org.trainbell.TrainBell1.Job"), .string("State")], interface: .properties,
                                    path: "/org/trainbell/TrainBell1/job/ghost")
        #expect(state.first?.unwrapped == .string("completed"))

        #expect(daemon.log.contains("cannot save job ghost"), "the disk was not full; log:\n\(daemon.log)")

        // Space again: what was not saved is saved (at the latest when the daemon stops).
        disk.free()
        _ = daemon.stop()
        try daemon.start()
        let restored = try DaemonClient(bus: bus)
        let restoredState = try restored.call("Get", [.string("org.trainbell.TrainBell1.Job"), .string("State")], interface: .properties,
                                              path: "/org/trainbell/TrainBell1/job/ghost")
        #expect(restoredState.first?.unwrapped == .string("completed"))
    }
}
