import BusTestSupport
import DBus
import Testing
import TrainBellDesktop

/// What every Do Not Disturb source on the bus does alike (KDE, mako, swaync and dunst on their
/// servers, Xfce on xfconfd), each against its real service (mako and swaync under a headless sway)
/// or, for what cannot run here, a stand-in (`Desktops`). What only one
/// source does is tested in its own suite.
@Suite("Every Do Not Disturb source on the bus")
struct DoNotDisturbSourceTests {
    @Test(arguments: Desktops.all)
    func describesItself(desktop: any DoNotDisturbDesktop) throws { try desktop.describesItself() }

    @Test(arguments: Desktops.all)
    func readsTheStateAtStartAndFollowsItsChanges(desktop: any DoNotDisturbDesktop) throws {
        try desktop.readsTheStateAtStartAndFollowsItsChanges()
    }

    @Test(arguments: Desktops.all)
    func noServiceReadsAsUnknownAndLogsOnceAtDebugLevel(desktop: any DoNotDisturbDesktop) throws {
        try desktop.noServiceReadsAsUnknownAndLogsOnceAtDebugLevel()
    }

    @Test(arguments: Desktops.readingTheNotificationsName)
    func anotherServerReadsAsUnknownAndRefreshDoesNotLogAgain(desktop: any DoNotDisturbDesktop) throws {
        try desktop.anotherServerReadsAsUnknownAndRefreshDoesNotLogAgain()
    }

    @Test(arguments: Desktops.all)
    func aServiceStartingLaterIsReadAndFollowedUntilItLeaves(desktop: any DoNotDisturbDesktop) throws {
        try desktop.aServiceStartingLaterIsReadAndFollowedUntilItLeaves()
    }
}

/// The scenarios, on each desktop's own types.
extension DoNotDisturbDesktop {
    fileprivate func describesItself() throws {
        let bus = try PrivateBus()
        let source = try harness(bus)
        defer { source.stop() }
        #expect(try source.onLoop { [$0.name] } == [name])
        #expect(try source.onLoop { $0.holdsUrgentNotifications } == holdsUrgentNotifications)
        #expect(Source.serverNames == serverNames)
    }

    fileprivate func readsTheStateAtStartAndFollowsItsChanges() throws {
        try withSession(serviceRunning: true) { session, source in
            try session.setDoNotDisturb(false)
            try notice(source)
            #expect(try source.waitForChange(to: false, after: 1))
            try session.setDoNotDisturb(true)
            try notice(source)
            #expect(try source.waitForChange(to: true, after: 2))
            #expect(source.changeLog == [true, false, true])
            #expect(source.log.snapshot.isEmpty)
        }
    }

    fileprivate func noServiceReadsAsUnknownAndLogsOnceAtDebugLevel() throws {
        try withSession(serviceRunning: false) { _, source in
            try expectUnknownLoggedOnce(source, refreshes: 3, absent)
        }
    }

    fileprivate func anotherServerReadsAsUnknownAndRefreshDoesNotLogAgain() throws {
        let error = try #require(otherServerError)
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        let source = try startedUnknown(on: bus)
        defer { source.stop(); server.stop() }
        // Every notification decision refreshes: the failure is still logged only once.
        try expectUnknownLoggedOnce(source, refreshes: 5, .startingWith(error))
    }

    /// After the source's first failed read, `refreshes` more change nothing: unknown, one debug line.
    private func expectUnknownLoggedOnce(_ source: SourceHarness<Source>, refreshes: Int, _ reason: UnknownReason,
                                         sourceLocation: SourceLocation = #_sourceLocation) throws {
        for _ in 0..<refreshes { try source.onLoop { $0.refresh() } }
        try source.settle()
        #expect(try source.isActive == nil, sourceLocation: sourceLocation)
        source.log.expectUnknownOnce(source: name, reason, sourceLocation: sourceLocation)
        #expect(source.changeLog.isEmpty, sourceLocation: sourceLocation)
    }

    fileprivate func aServiceStartingLaterIsReadAndFollowedUntilItLeaves() throws {
        try withSession(serviceRunning: false) { session, source in
            let initial = try session.startService()
            #expect(try source.waitForChange(to: initial))
            try session.setDoNotDisturb(!initial)
            try notice(source)
            #expect(try source.waitForChange(to: !initial, after: 1))
            #expect(source.log.snapshot.count == 1)

            try session.stopService()
            if leavingIsUnknown {
                #expect(try source.waitForChange(to: nil, after: 2))
                // A new failure after a success is logged again, once.
                #expect(source.log.wait { $0.count == 2 })
                #expect(source.log.snapshot.map(\.level) == [.debug, .debug])
            } else {
                try source.settle()
                #expect(try source.isActive == !initial, "the state last read stays")
                #expect(source.changeLog.count == 2)
                #expect(source.log.snapshot.count == 1)
            }
        }
    }
}
