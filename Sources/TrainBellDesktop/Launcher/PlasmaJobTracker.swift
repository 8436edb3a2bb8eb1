import DBus
import Logging

/// Each running job as a KDE Plasma job (the progress entries of Plasma's notification applet), while
/// `org.kde.JobViewServer` is on the bus: `org.kde.JobViewServerV2.requestView(s desktopEntry,
/// i capabilities, a{sv} hints) → o`, then `org.kde.JobViewV3.update(a{sv})` and
/// `terminate(u errorCode, s errorMessage, a{sv} hints)` on the returned view. Views are cancellable:
/// a `cancelRequested` from Plasma is passed on as `onCancel(job)`.
public final class PlasmaJobTracker {
    public static let serverName: BusName = "org.kde.JobViewServer"
    public static let serverPath: ObjectPath = "/JobViewServer"
    public static let serverInterface: InterfaceName = "org.kde.JobViewServerV2"
    public static let viewInterface: InterfaceName = "org.kde.JobViewV3"
    /// `capabilities` bit: the user may cancel the job.
    static let cancellable: Int32 = 0x0001

    /// What the job view shows.
    public struct Snapshot: Equatable {
        public var title: String
        public var percent: UInt32
        public var infoMessage: String

        public init(title: String, percent: UInt32, infoMessage: String) {
            self.title = title
            self.percent = percent
            self.infoMessage = infoMessage
        }
    }

    private enum View {
        /// Asked of the server that owned the name then; `ended` when the job ended meanwhile.
        case requested(owner: String, ended: Bool)
        case open(ObjectPath)
    }

    let connection: Connection
    let log: Logger
    private var owner: String?
    private var views: [String: View] = [:]
    private var desktopEntries: [String: String] = [:]
    private var latest: [String: Snapshot] = [:]
    private var subscriptions: [SignalSubscription] = []
    /// Plasma asked to cancel a job.
    public var onCancel: ((String) -> Void)?

    public init(connection: Connection, log: Logger) {
        self.connection = connection
        self.log = log
    }

    public func start() {
        do {
            subscriptions.append(try connection.watchNameOwner(Self.serverName) { [weak self] owner in
                self?.ownerChanged(owner)
            })
            subscriptions.append(try connection.subscribe(MatchRule(sender: Self.serverName.rawValue,
                                                                    interface: Self.viewInterface,
                                                                    member: "cancelRequested")) { [weak self] message in
                guard let self, let path = message.path else { return }
                for (job, view) in self.views {
                    if case .open(let p) = view, p == path { self.onCancel?(job) }
                }
            })
        } catch {
            log.debug("Plasma jobs: cannot follow \(Self.serverName): \(error)")
        }
    }

    public func stop() {
        subscriptions.forEach { $0.cancel() }
        subscriptions = []
    }

    public var isAvailable: Bool { owner != nil }

    private func ownerChanged(_ newOwner: String?) {
        owner = newOwner
        views = [:]
        guard newOwner != nil else { return }
        // A (re)started Plasma: every running job gets a view again.
        for job in latest.keys.sorted() { request(job) }
    }

    /// Shows or updates job `job` (a desktop entry id, or "" for trainbell's own).
    public func update(_ job: String, desktopEntry: String, _ snapshot: Snapshot) {
        desktopEntries[job] = desktopEntry
        let changed = latest[job] != snapshot
        latest[job] = snapshot
        guard owner != nil else { return }
        switch views[job] {
        case nil: request(job)
        case .requested(let owner, _): views[job] = .requested(owner: owner, ended: false)
        case .open(let path): if changed { send(snapshot, to: path) }
        }
    }

    /// Ends the job's view: error code 0 for success, 1 with a message for a failure.
    public func terminate(_ job: String, errorCode: UInt32, message: String) {
        latest.removeValue(forKey: job)
        desktopEntries.removeValue(forKey: job)
        switch views[job] {
        case .open(let path)?:
            views.removeValue(forKey: job)
            call(path, "terminate", [.uint32(errorCode), .string(message), .vardict([])])
        case .requested(let owner, _)?:
            // The view is on its way: it is ended as soon as it arrives.
            views[job] = .requested(owner: owner, ended: true)
        case nil:
            break
        }
    }

    private func request(_ job: String) {
        guard let owner else { return }
        views[job] = .requested(owner: owner, ended: false)
        let m = Message.methodCall(destination: Self.serverName, path: Self.serverPath, interface: Self.serverInterface,
                                   member: "requestView")
        m.autoStart = false
        do {
            try m.append([.string(desktopEntries[job] ?? ""), .int32(Self.cancellable), .vardict([])])
        } catch {
            return
        }
        connection.callAsync(m, timeout: 10) { [weak self] result in
            // Only the answer to this job's pending request, from the server still on the bus.
            guard let self, case .requested(let askedOwner, let ended)? = self.views[job], askedOwner == owner,
                  self.owner == owner else { return }
            switch result {
            case .success(let reply):
                guard let path = (try? reply.arguments())?.first?.objectPathValue else {
                    self.views[job] = nil
                    return
                }
                if ended || self.latest[job] == nil {
                    self.views[job] = nil
                    self.call(path, "terminate", [.uint32(0), .string(""), .vardict([])])
                } else if let snapshot = self.latest[job] {
                    self.views[job] = .open(path)
                    self.send(snapshot, to: path)
                }
            case .failure(let error):
                self.views[job] = nil
                self.log.debug("Plasma jobs: requestView failed: \(error)")
            }
        }
    }

    private func send(_ snapshot: Snapshot, to path: ObjectPath) {
        call(path, "update", [.vardict([
            ("title", .string(snapshot.title)),
            ("percent", .uint32(snapshot.percent)),
            ("infoMessage", .string(snapshot.infoMessage)),
        ])])
    }

    private func call(_ path: ObjectPath, _ member: MemberName, _ arguments: [DBusValue]) {
        guard let owner = owner.flatMap(BusName.init(rawValue:)) else { return }
        let m = Message.methodCall(destination: owner, path: path, interface: Self.viewInterface, member: member)
        m.noReplyExpected = true
        m.autoStart = false
        do {
            try m.append(arguments)
            try connection.send(m)
        } catch {
            log.debug("Plasma jobs: \(member) failed: \(error)")
        }
    }
}
