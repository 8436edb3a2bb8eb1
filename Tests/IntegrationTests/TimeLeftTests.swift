import BusTestSupport
import DBus
import Foundation
import Testing
import TrainBellAPI

/// The time left (issue 11) end to end, on the real clock: a run reporting 2.5 steps a second for 12 s
/// gets "about 5 min left" in its 25 % bubble, in its job's SecondsLeft, and in `trainbell status`.
@Suite struct TimeLeftTests {
    @Test func aSteadyRunSaysHowLongItHasLeft() throws {
        let session = try DaemonSession()
        defer { session.stop() }
        let (client, server) = (session.client, try #require(session.server))
        _ = try client.startJob("steady", title: "Steady run", total: 1_000)
        // Steps 10, 20, 30, 40 four seconds apart: 2.5 steps a second, over the 10 s an estimate needs.
        for (index, step) in [10, 20, 30, 40].enumerated() {
            if index > 0 { usleep(4_000_000) }
            try client.progress("steady", UInt64(step))
        }
        let left = try #require(client.api.call(TrainBellObjects.getAllProperties, TrainBellBus.jobInterface.rawValue,
                                                path: "/org/trainbell/TrainBell1/job/steady").value["SecondsLeft"]?.unwrapped.doubleValue)
        #expect(abs(left - 384) < 20, "960 steps at 2.5 a second: \(left) s")
        // Past 25 %: the median rate is still 2.5 a second (the jump is one rate of four), 750 steps left.
        try client.progress("steady", 250)
        let bubble = try #require(server.waitForNotifies(count: 1).first)
        #expect(bubble.body == "Steady run: step 250 of 1000 (25%), about 5 min left", "\(bubble.body)")

        let status = try session.trainbell(["status"])
        #expect(status.status == 0 && status.stdout.contains("about 5 min left"), "\(status.stdout)\(status.stderr)")
    }
}
