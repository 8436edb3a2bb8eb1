import DBus
import Foundation

/// KDE Plasma's job tracker for what cannot run here (it lives in plasmashell): owns
/// `org.kde.JobViewServer` and exports `org.kde.JobViewServerV2` at `/JobViewServer` — `requestView(s
/// desktopEntry, i capabilities, a{sv} hints) → o` — and, for each view, `org.kde.JobViewV3` at
/// `/org/kde/notificationmanager/jobs/JobView_<n>`: `update(a{sv})`, `terminate(u, s, a{sv})` (both
/// NoReply), signals `cancelRequested`, `suspendRequested`, `resumeRequested`, `updateRequested`, as
/// plasma-workspace's libnotificationmanager/dbus/org.kde.JobViewV3.xml declares them.
public final class StandInPlasmaJobServer: @unchecked Sendable {
    /// What a client did with the server, in order.
    public enum Call: Sendable, Equatable {
        case requestView(desktopEntry: String, capabilities: Int32, view: Int)
        case update(view: Int, properties: [String: DBusValue])
        case terminate(view: Int, errorCode: UInt32, message: String)
    }

    final class State: @unchecked Sendable {
        let lock = NSLock()
        var calls: [Call] = []
        var next = 1
        var connection: Connection?
        func record(_ call: Call) { lock.lock(); calls.append(call); lock.unlock() }
        var snapshot: [Call] { lock.lock(); defer { lock.unlock() }; return calls }
    }

    private let state = State()
    private let host: StandInHost

    public static let viewRoot = "/org/kde/notificationmanager/jobs/JobView_"

    public init(bus: PrivateBus) throws {
        let state = self.state
        host = try StandInHost(bus: bus, names: ["org.kde.JobViewServer"]) {
            [ExportedObject(path: "/JobViewServer", interfaces: [
                Interface("org.kde.JobViewServerV2", methods: [
                    Method("requestView", in: [Argument("desktopEntry", .string), Argument("capabilities", .int32),
                                               Argument("hints", .dictionary(key: .string, value: .variant))],
                           out: [Argument("trackerPath", .objectPath)]) { call in
                        state.lock.lock()
                        let n = state.next
                        state.next += 1
                        state.lock.unlock()
                        let path = ObjectPath(rawValue: Self.viewRoot + String(n))!
                        call.connection.export(ExportedObject(path: path, interfaces: [Self.viewInterface(n, state)]))
                        state.record(.requestView(desktopEntry: call.arguments[0].stringValue ?? "",
                                                  capabilities: Int32(dbusValue: call.arguments[1]) ?? -1, view: n))
                        return [.objectPath(path)]
                    },
                ]),
            ])]
        }
    }

    static func viewInterface(_ n: Int, _ state: State) -> Interface {
        Interface("org.kde.JobViewV3", methods: [
            Method("update", in: [Argument("properties", .dictionary(key: .string, value: .variant))],
                   annotations: [.noReply]) { call in
                state.record(.update(view: n, properties: (call.arguments[0].stringKeyedEntries ?? [:]).mapValues(\.unwrapped)))
                return []
            },
            Method("terminate", in: [Argument("errorCode", .uint32), Argument("errorMessage", .string),
                                     Argument("hints", .dictionary(key: .string, value: .variant))],
                   annotations: [.noReply]) { call in
                state.record(.terminate(view: n, errorCode: UInt32(dbusValue: call.arguments[0]) ?? 0,
                                        message: call.arguments[1].stringValue ?? ""))
                return []
            },
        ], signals: [
            SignalDeclaration("updateRequested"), SignalDeclaration("suspendRequested"),
            SignalDeclaration("resumeRequested"), SignalDeclaration("cancelRequested"),
        ])
    }

    public var calls: [Call] { state.snapshot }

    /// Waits until `predicate` holds for the calls so far.
    public func wait(timeout: Double = 10, until predicate: ([Call]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !predicate(calls) {
            if Date() > deadline { return false }
            usleep(5_000)
        }
        return true
    }

    /// The user clicks cancel on view `n`.
    public func requestCancel(view n: Int) throws {
        try host.sync { connection in
            try connection.emitSignal(path: ObjectPath(rawValue: Self.viewRoot + String(n))!,
                                      interface: "org.kde.JobViewV3", member: "cancelRequested")
        }
    }

    public func stop() { host.stop() }
}

/// A dock (Dash to Dock, Plank, Plasma's task manager) for tests: owns `com.canonical.Unity` and
/// records every `com.canonical.Unity.LauncherEntry.Update` signal it sees.
public final class StandInDock: @unchecked Sendable {
    public struct Update: Sendable, Equatable {
        public let appURI: String
        public let properties: [String: DBusValue]
        public let sender: String
        public let path: String
        public let time: Date
    }

    final class Log: @unchecked Sendable {
        let lock = NSLock()
        var updates: [Update] = []
    }

    private let log = Log()
    private let listener = LoopThread()
    private var listening: Connection?
    private var host: StandInHost!

    /// Listens first, then takes the name: the state a daemon sends when the dock appears is seen.
    public init(bus: PrivateBus) throws {
        let log = self.log
        let connection = try listener.connect(to: bus)
        listening = connection
        _ = try listener.sync {
            try connection.subscribe(MatchRule(interface: "com.canonical.Unity.LauncherEntry", member: "Update")) { message in
                guard let args = try? message.arguments(), args.count == 2 else { return }
                let update = Update(appURI: args[0].stringValue ?? "",
                                    properties: (args[1].stringKeyedEntries ?? [:]).mapValues(\.unwrapped),
                                    sender: message.sender ?? "", path: message.path?.rawValue ?? "", time: Date())
                log.lock.lock()
                log.updates.append(update)
                log.lock.unlock()
            }
        }
        host = try StandInHost(bus: bus, names: ["com.canonical.Unity"]) { [] }
    }

    public var updates: [Update] {
        log.lock.lock()
        defer { log.lock.unlock() }
        return log.updates
    }

    public func wait(timeout: Double = 10, until predicate: ([Update]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !predicate(updates) {
            if Date() > deadline { return false }
            usleep(5_000)
        }
        return true
    }

    public func stop() {
        host.stop()
        if let listening {
            self.listening = nil
            listener.close(listening)
        }
    }
}
