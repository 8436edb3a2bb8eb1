import BusTestSupport
import DBus
import Foundation
import Glibc
import Logging
import Testing
import TrainBellDesktop

/// One Do Not Disturb source on the bus and its desktop, for the scenarios every such source shares
/// (`DoNotDisturbSourceTests`): what the source should say about itself, how to make it, and how to
/// make a private bus on which its service (the real program, or a stand-in for what cannot run
/// here) starts when told.
protocol DoNotDisturbDesktop: Sendable, CustomTestStringConvertible {
    associatedtype Source: DoNotDisturbSource & ServerNamed
    associatedtype Session: DoNotDisturbSession
    /// The source's `name`.
    var name: String { get }
    var holdsUrgentNotifications: Bool? { get }
    /// The source's `serverNames`: what the desktop's server answers to `GetServerInformation`.
    var serverNames: Set<String> { get }
    /// Why the source reads as unknown while its service is not on the bus.
    var absent: UnknownReason { get }
    /// The error another notification server answers with, for the sources that read
    /// `org.freedesktop.Notifications`; nil for the others.
    var otherServerError: String? { get }
    /// Whether the service leaving the bus reads as unknown (else the state last read stays).
    var leavingIsUnknown: Bool { get }
    /// Whether the service signals its changes; else the source notices one when it reads again
    /// (`refresh`), as the daemon makes it do.
    var signalsChanges: Bool { get }
    func makeSource(_ connection: Connection, _ log: Logger) -> Source
    /// A private bus without the service yet.
    func makeSession() throws -> Session
}

extension DoNotDisturbDesktop {
    /// Makes `source` notice a change the service made: nothing where the service signals it, else
    /// a read again (`refresh`).
    func notice(_ source: SourceHarness<Source>) throws {
        guard !signalsChanges else { return }
        try source.onLoop { $0.refresh() }
    }

    /// The source on `bus`, not started.
    func harness(_ bus: PrivateBus) throws -> SourceHarness<Source> {
        try SourceHarness(bus: bus) { makeSource($0, $1) }
    }

    /// The source on `bus`, started and done with its first read, which gave `state`.
    func started(on bus: PrivateBus, reading state: Bool?,
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> SourceHarness<Source> {
        let source = try harness(bus)
        try source.start()
        try #require(try source.waitForChange(to: state), sourceLocation: sourceLocation)
        return source
    }

    /// The source on `bus`, started and done with its first read, which failed and was logged.
    func startedUnknown(on bus: PrivateBus, sourceLocation: SourceLocation = #_sourceLocation) throws -> SourceHarness<Source> {
        let source = try harness(bus)
        try source.start()
        try #require(source.log.wait { $0.count == 1 }, sourceLocation: sourceLocation)
        return source
    }

    /// Runs `body` with a session and the source started on its bus: with the service running with Do Not
    /// Disturb on (read by the source) when `serviceRunning`, else without it (logged by the source).
    /// Stops the source, then the session.
    func withSession(serviceRunning: Bool, sourceLocation: SourceLocation = #_sourceLocation,
                     _ body: (Session, SourceHarness<Source>) throws -> Void) throws {
        let session = try makeSession()
        defer { session.stop() }
        if serviceRunning, try !session.startService() { try session.setDoNotDisturb(true) }
        let source = serviceRunning ? try started(on: session.bus, reading: true, sourceLocation: sourceLocation)
                                    : try startedUnknown(on: session.bus, sourceLocation: sourceLocation)
        defer { source.stop() }
        try body(session, source)
    }
}

/// A desktop described by values; `Desktops` lists them.
struct Desktop<Source: DoNotDisturbSource & ServerNamed, Session: DoNotDisturbSession>: DoNotDisturbDesktop, Sendable {
    let name: String
    let holdsUrgentNotifications: Bool?
    let serverNames: Set<String>
    let absent: UnknownReason
    var otherServerError: String?
    var leavingIsUnknown = true
    var signalsChanges = true
    /// The service's version and kind, for the test's name ("1.7.1", "≥ 1.10, stand-in").
    var service = ""
    let source: @Sendable (Connection, Logger) -> Source
    let session: @Sendable () throws -> Session

    var testDescription: String { service.isEmpty ? name : "\(name) \(service)" }

    func makeSource(_ connection: Connection, _ log: Logger) -> Source { source(connection, log) }
    func makeSession() throws -> Session { try session() }
}

enum Desktops {
    static let kde = Desktop(
        name: "kde", holdsUrgentNotifications: false, serverNames: [StandInPlasmaNotifications.serverName],
        absent: .exactly("org.freedesktop.Notifications is not on the bus"),
        otherServerError: "org.freedesktop.DBus.Error.UnknownProperty",
        source: { KdeDoNotDisturb(connection: $0, log: $1) },
        session: { try ServerSession { try StandInPlasmaNotifications(bus: $0, doNotDisturb: true) } })

    static let mako = Desktop(
        name: "mako", holdsUrgentNotifications: nil, serverNames: ["mako"],
        absent: .exactly("org.freedesktop.Notifications is not on the bus"),
        otherServerError: "org.freedesktop.DBus.Error.UnknownObject",
        signalsChanges: false, service: "1.7.1",
        source: { MakoDoNotDisturb(connection: $0, log: $1) },
        session: { try SwayServerSession { try Mako(session: $0) } })

    /// mako 1.10 and later (not in Debian 12) announce their modes: the stand-in's `Modes` property.
    static let makoAnnouncingModes = Desktop(
        name: mako.name, holdsUrgentNotifications: mako.holdsUrgentNotifications, serverNames: mako.serverNames,
        absent: mako.absent, otherServerError: mako.otherServerError, service: "≥ 1.10, stand-in", source: mako.source,
        session: { try ServerSession { try StandInMako(bus: $0, modes: ["default", "do-not-disturb"]) } })

    static let swaync = Desktop(
        name: "swaync", holdsUrgentNotifications: false, serverNames: ["SwayNotificationCenter"],
        absent: .exactly("org.erikreider.swaync.cc is not on the bus"),
        service: "0.7.3",
        source: { SwayncDoNotDisturb(connection: $0, log: $1) },
        session: { try SwayServerSession { try Swaync(session: $0) } })

    /// swaync 0.8 and later (not in Debian 12) signal `SubscribeV2`: the stand-in.
    static let swayncSignallingSubscribeV2 = Desktop(
        name: swaync.name, holdsUrgentNotifications: swaync.holdsUrgentNotifications, serverNames: swaync.serverNames,
        absent: swaync.absent, service: "≥ 0.8, stand-in", source: swaync.source,
        session: { try ServerSession { try StandInSwaync(bus: $0, doNotDisturb: true) } })

    /// The real xfconfd, started by the test (no activation, so that it can be absent).
    static let xfce = Desktop(
        name: "xfce", holdsUrgentNotifications: false, serverNames: ["Xfce Notify Daemon"],
        absent: .startingWith("org.freedesktop.DBus.Error.ServiceUnknown"), leavingIsUnknown: false,
        source: { XfceDoNotDisturb(connection: $0, log: $1) },
        session: { try XfconfSession(activatable: false) })

    /// The real dunst, on a virtual display of its own.
    static let dunst = Desktop(
        name: "dunst", holdsUrgentNotifications: true, serverNames: ["dunst"],
        absent: .exactly("org.freedesktop.Notifications is not on the bus"),
        otherServerError: "org.freedesktop.DBus.Error.UnknownInterface",
        source: { DunstDoNotDisturb(connection: $0, log: $1) },
        session: {
            let display = try VirtualDisplay()
            return try ServerSession(startsWithDoNotDisturb: false, alsoStop: display.stop) {
                try Dunst(bus: $0, display: display)
            }
        })

    static let all: [any DoNotDisturbDesktop] = [kde, mako, makoAnnouncingModes, swaync, swayncSignallingSubscribeV2, xfce, dunst]
    static let readingTheNotificationsName = all.filter { $0.otherServerError != nil }
}

/// The sources' `serverNames`, which `DoNotDisturbSource` does not declare.
protocol ServerNamed { static var serverNames: Set<String> { get } }
extension KdeDoNotDisturb: ServerNamed {}
extension MakoDoNotDisturb: ServerNamed {}
extension SwayncDoNotDisturb: ServerNamed {}
extension XfceDoNotDisturb: ServerNamed {}
extension DunstDoNotDisturb: ServerNamed {}

/// A private bus for one test, on which a desktop's Do Not Disturb service starts when told.
protocol DoNotDisturbSession: AnyObject {
    var bus: PrivateBus { get }
    /// Starts the service; returns its Do Not Disturb then: on where the service can start so
    /// (the stand-ins), else off.
    func startService() throws -> Bool
    func setDoNotDisturb(_ on: Bool) throws
    /// The service leaves the bus; the bus stays.
    func stopService() throws
    /// Ends the service, then the rest.
    func stop()
}

/// A notification server with a Do Not Disturb switch: a stand-in, dunst, mako or swaync.
protocol DoNotDisturbServer: AnyObject {
    func setDoNotDisturb(_ on: Bool) throws
    func stop()
}
extension StandInPlasmaNotifications: DoNotDisturbServer {}
extension StandInMako: DoNotDisturbServer {}
extension StandInSwaync: DoNotDisturbServer {}
extension Dunst: DoNotDisturbServer {
    func setDoNotDisturb(_ on: Bool) throws { try setPaused(on) }
}
extension Swaync: DoNotDisturbServer {}
extension Mako: DoNotDisturbServer {
    /// `makoctl set-mode do-not-disturb` / `makoctl set-mode default`.
    func setDoNotDisturb(_ on: Bool) throws { try setMode(on ? "do-not-disturb" : "default") }
}

/// A private bus on which `launch` starts a server.
final class ServerSession<Server: DoNotDisturbServer>: DoNotDisturbSession {
    let bus: PrivateBus
    private let launch: (PrivateBus) throws -> Server
    private let startsWithDoNotDisturb: Bool
    private let alsoStop: () -> Void
    private var server: Server?

    init(startsWithDoNotDisturb: Bool = true, alsoStop: @escaping () -> Void = {},
         launch: @escaping (PrivateBus) throws -> Server) throws {
        bus = try PrivateBus()
        self.launch = launch
        self.startsWithDoNotDisturb = startsWithDoNotDisturb
        self.alsoStop = alsoStop
    }

    func startService() throws -> Bool {
        server = try launch(bus)
        return startsWithDoNotDisturb
    }

    func setDoNotDisturb(_ on: Bool) throws {
        guard let server else { throw HarnessError("the server has not started") }
        try server.setDoNotDisturb(on)
    }

    func stopService() {
        server?.stop()
        server = nil
    }

    func stop() {
        stopService()
        alsoStop()
        bus.stop()
    }
}

/// A headless sway desktop (`SwaySession`, run by the unprivileged test user) on which `launch` starts
/// a real server; it starts with Do Not Disturb off.
final class SwayServerSession<Server: DoNotDisturbServer>: DoNotDisturbSession {
    let desktop: SwaySession
    private let launch: (SwaySession) throws -> Server
    private var server: Server?
    var bus: PrivateBus { desktop.bus }

    init(launch: @escaping (SwaySession) throws -> Server) throws {
        desktop = try SwaySession()
        self.launch = launch
    }

    func startService() throws -> Bool {
        server = try launch(desktop)
        return false
    }

    func setDoNotDisturb(_ on: Bool) throws {
        guard let server else { throw HarnessError("the server has not started") }
        try server.setDoNotDisturb(on)
    }

    func stopService() {
        server?.stop()
        server = nil
    }

    func stop() {
        stopService()
        desktop.stop()
    }
}

extension XfconfSession: DoNotDisturbSession {
    func startService() throws -> Bool {
        try startDaemon()
        return false
    }

    /// Ends xfconfd (SIGTERM) and waits until its name has left the bus.
    func stopService() throws {
        guard let pid = xfconfdPID else { throw HarnessError("xfconfd is not running") }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while xfconfdPID != nil {
            guard Date() < deadline else { throw HarnessError("xfconfd did not leave the bus within 10 s") }
            usleep(5_000)
        }
    }
}

/// Why a source reads as unknown: what its one debug line says after "read as off: ".
enum UnknownReason: Sendable {
    case exactly(String)
    case startingWith(String)
}

extension CapturedLog {
    /// Expects exactly one line: at debug level, "Do Not Disturb (`source`) unknown, read as off: `reason`".
    func expectUnknownOnce(source: String, _ reason: UnknownReason, sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = snapshot
        #expect(lines.count == 1, "\(lines)", sourceLocation: sourceLocation)
        #expect(lines.first?.level == .debug, sourceLocation: sourceLocation)
        let message = lines.first?.message ?? ""
        let prefix = "Do Not Disturb (\(source)) unknown, read as off: "
        switch reason {
        case .exactly(let reason):
            #expect(message == prefix + reason, sourceLocation: sourceLocation)
        case .startingWith(let reason):
            #expect(message.hasPrefix(prefix + reason), "\(message)", sourceLocation: sourceLocation)
        }
    }
}
