import DBus
import Logging

/// Whether the user has given no input for a while, from GNOME's `org.gnome.Mutter.IdleMonitor` at
/// `/org/gnome/Mutter/IdleMonitor/Core` (mutter `data/dbus-interfaces/org.gnome.Mutter.IdleMonitor.xml`):
/// an idle watch (`AddIdleWatch(t interval_ms) -> u id`) fires `WatchFired(id)` each time the user
/// has been idle that long; then a user-active watch (`AddUserActiveWatch() -> u id`, fired once)
/// tells of the next input. No polling: between the two signals nothing wakes up. Mutter drops a
/// client's watches when it leaves the bus, so they are added again for every new owner.
public final class MutterIdleMonitor: PresenceSource {
    static let service: BusName = "org.gnome.Mutter.IdleMonitor"
    static let path: ObjectPath = "/org/gnome/Mutter/IdleMonitor/Core"
    static let interface: InterfaceName = "org.gnome.Mutter.IdleMonitor"

    public let name = MutterIdleMonitor.service.rawValue
    public var value: Bool? { watch.state }
    public var isSettled: Bool { watch.isSettled }
    /// Input-free time that counts as idle, in milliseconds.
    public let interval: UInt64
    private let watch: DoNotDisturbServiceWatch<Bool>
    private var idleWatch: UInt32?
    private var activeWatch: UInt32?
    /// An `AddUserActiveWatch` is on its way.
    private var pendingActiveWatch = false

    /// A source on `connection` (the session bus), attached to the daemon's loop; idle after `minutes`.
    public init(connection: Connection, minutes: Int, log: Logger) {
        interval = UInt64(max(1, minutes)) * 60_000
        watch = DoNotDisturbServiceWatch(connection: connection, service: Self.service, sourceName: name, log: log,
                                         unknownMessage: "presence: the idle time from \(Self.service) is unknown", reportsSettling: true)
    }

    public func start(onChange: @escaping () -> Void) {
        let rule = MatchRule(sender: Self.service.rawValue, path: Self.path, interface: Self.interface, member: "WatchFired")
        watch.start(read: { [weak self] done in self?.addWatches(done) }, signals: [rule: { [weak self] message in
            guard let id = (try? message.arguments())?.first.flatMap({ UInt32(dbusValue: $0) }) else { return }
            self?.fired(id)
        }], onChange: onChange)
    }

    public func stop() {
        for id in [idleWatch, activeWatch].compactMap({ $0 }) { remove(id) }
        idleWatch = nil
        activeWatch = nil
        pendingActiveWatch = false
        watch.stop()
    }

    /// Removes a watch of ours at Mutter (fire and forget).
    private func remove(_ id: UInt32) {
        guard watch.owner != nil else { return }
        watch.call(path: Self.path, interface: Self.interface, member: "RemoveWatch", [.uint32(id)]) { _ in }
    }

    /// A new owner: adds the idle watch, then reads the idle time to know where the user is now.
    private func addWatches(_ done: @escaping (Result<Bool, BusError>) -> Void) {
        idleWatch = nil
        activeWatch = nil
        pendingActiveWatch = false
        watch.call(path: Self.path, interface: Self.interface, member: "AddIdleWatch", [.uint64(interval)]) { [weak self] result in
            guard let self else { return }
            switch result {
            case .failure(let error): done(.failure(error))
            case .success(let values):
                guard let id = values.first.flatMap({ UInt32(dbusValue: $0) }) else {
                    done(.failure(BusError(.invalidArgs, "AddIdleWatch answered \(values), expected a watch id (u)")))
                    return
                }
                // Stopped (or a new owner came) while the call was out: the watch is not wanted.
                guard self.watch.isStarted, self.idleWatch == nil else { return self.remove(id) }
                self.idleWatch = id
                self.watch.call(path: Self.path, interface: Self.interface, member: "GetIdletime") { [weak self] result in
                    guard let self else { return }
                    done(result.flatMap { values in
                        guard let idle = values.first.flatMap({ UInt64(dbusValue: $0) }) else {
                            return .failure(BusError(.invalidArgs, "GetIdletime answered \(values), expected milliseconds (t)"))
                        }
                        if idle >= self.interval { self.watchForInput() }
                        return .success(idle >= self.interval)
                    })
                }
            }
        }
    }

    private func fired(_ id: UInt32) {
        if id == idleWatch {
            watch.update(true)
            watchForInput()
        } else if id == activeWatch {
            activeWatch = nil
            watch.update(false)
        }
    }

    /// The user is idle: one user-active watch tells of the next input.
    private func watchForInput() {
        guard activeWatch == nil, !pendingActiveWatch else { return }
        pendingActiveWatch = true
        watch.call(path: Self.path, interface: Self.interface, member: "AddUserActiveWatch") { [weak self] result in
            guard let self else { return }
            self.pendingActiveWatch = false
            switch result {
            case .success(let values):
                guard let id = values.first.flatMap({ UInt32(dbusValue: $0) }) else { return }
                guard self.watch.isStarted, self.activeWatch == nil else { return self.remove(id) }
                self.activeWatch = id
            case .failure(let error):
                self.watch.fail("AddUserActiveWatch: \(error)")
            }
        }
    }
}
