import DBus

/// GNOME's idle monitor for what cannot run here (Mutter): owns `org.gnome.Mutter.IdleMonitor` and
/// exports at `/org/gnome/Mutter/IdleMonitor/Core` the interface of mutter
/// `data/dbus-interfaces/org.gnome.Mutter.IdleMonitor.xml`: `GetIdletime() -> t idletime`,
/// `AddIdleWatch(t interval) -> u id`, `AddUserActiveWatch() -> u id`, `RemoveWatch(u id)`,
/// `ResetIdletime()`, and the signal `WatchFired(u id)`, sent to the watch's owner only (as
/// `meta-idle-monitor-dbus.c` does). Idle watches fire each time the idle time reaches their
/// interval; a user-active watch fires once, at the next input, and is removed. A client's watches
/// go when it leaves the bus.
///
/// The test plays the user: `idle(forMilliseconds:)` lets time pass without input, `input()` is a
/// key press. Runs on a loop thread of its own; every method may be called from the test's thread.
public final class StandInMutterIdleMonitor: @unchecked Sendable {
    // @unchecked Sendable: the state lives on the host's loop thread and is reached through `sync`.
    private let state = IdleMonitorState()
    private let host: StandInHost

    public init(bus: PrivateBus) throws {
        let state = self.state
        host = try StandInHost(bus: bus, names: ["org.gnome.Mutter.IdleMonitor"]) {
            let object = ExportedObject(path: "/org/gnome/Mutter/IdleMonitor/Core", interfaces: [state.interface])
            return [object]
        }
    }

    /// No input for `milliseconds` more: idle watches whose interval is reached fire.
    public func idle(forMilliseconds milliseconds: UInt64) throws {
        try host.sync { connection in self.state.pass(milliseconds, connection) }
    }

    /// A key press: the idle time starts over, user-active watches fire.
    public func input() throws {
        try host.sync { connection in self.state.input(connection) }
    }

    /// The watches now: (owner, interval in ms or nil for a user-active watch).
    public var watches: [(owner: String, interval: UInt64?)] {
        (try? host.sync { _ in self.state.watches.values.sorted { $0.id < $1.id }.map { ($0.owner, $0.interval) } }) ?? []
    }

    /// Leaves the bus: releases the name and stops the thread. Also done when dropped.
    public func stop() { host.stop() }

    deinit { stop() }
}

/// The monitor's watches and idle time; used on the host's loop thread only.
private final class IdleMonitorState: @unchecked Sendable {
    // @unchecked Sendable: created on the test's thread, then used on the loop thread only.
    static let path: ObjectPath = "/org/gnome/Mutter/IdleMonitor/Core"
    static let interface: InterfaceName = "org.gnome.Mutter.IdleMonitor"

    struct Watch {
        let id: UInt32
        let owner: String
        /// nil: a user-active watch.
        let interval: UInt64?
        var ownerWatch: SignalSubscription?
    }

    var idletime: UInt64 = 0
    var watches: [UInt32: Watch] = [:]
    var nextID: UInt32 = 1

    func pass(_ milliseconds: UInt64, _ connection: Connection) {
        let before = idletime
        idletime += milliseconds
        for watch in watches.values.sorted(by: { $0.id < $1.id }) {
            guard let interval = watch.interval, before < interval, idletime >= interval else { continue }
            fire(watch, connection)
        }
    }

    func input(_ connection: Connection) {
        let wasIdle = idletime > 0
        idletime = 0
        guard wasIdle else { return }
        for watch in watches.values.sorted(by: { $0.id < $1.id }) where watch.interval == nil {
            fire(watch, connection)
            remove(watch.id)
        }
    }

    private func fire(_ watch: Watch, _ connection: Connection) {
        try? connection.emitSignal(path: Self.path, interface: Self.interface, member: "WatchFired", [.uint32(watch.id)],
                                   destination: watch.owner)
    }

    private func add(_ interval: UInt64?, _ call: MethodCall) -> UInt32 {
        let id = nextID
        nextID &+= 1
        let owner = call.sender
        let ownerWatch = BusName(rawValue: owner).flatMap { name in
            try? call.connection.watchNameOwner(name) { [weak self] now in
                if now == nil { self?.removeAll(of: owner) }
            }
        }
        watches[id] = Watch(id: id, owner: owner, interval: interval, ownerWatch: ownerWatch)
        return id
    }

    private func remove(_ id: UInt32) {
        watches.removeValue(forKey: id)?.ownerWatch?.cancel()
    }

    private func removeAll(of owner: String) {
        for watch in watches.values where watch.owner == owner { remove(watch.id) }
    }

    var interface: Interface {
        Interface(Self.interface, methods: [
            Method("GetIdletime", out: [Argument("idletime", .uint64)]) { _ in [.uint64(self.idletime)] },
            Method("AddIdleWatch", in: [Argument("interval", .uint64)], out: [Argument("id", .uint32)]) { call in
                let interval: UInt64 = try call.argument(0)
                guard interval > 0 else { throw BusError(.invalidArgs, "Invalid idle time") }
                return [.uint32(self.add(interval, call))]
            },
            Method("AddUserActiveWatch", out: [Argument("id", .uint32)]) { call in [.uint32(self.add(nil, call))] },
            Method("RemoveWatch", in: [Argument("id", .uint32)]) { call in
                self.remove(try call.argument(0))
                return []
            },
            Method("ResetIdletime") { _ in self.idletime = 0; return [] },
        ], signals: [
            SignalDeclaration("WatchFired", [Argument("id", .uint32)]),
        ])
    }
}
