import DBus
import Logging
import TrainBellAPI
import TrainBellCore
import TrainBellDesktop

/// The bus interface: the root object `/org/trainbell/TrainBell1` with `org.trainbell.TrainBell1`,
/// its method table (decode, validate, then call the components that act) and its properties and
/// signals. It holds no state of its own but the configuration the methods apply.
final class BusInterface {
    static let busName = TrainBellBus.name
    static let path = TrainBellBus.path
    static let interface = TrainBellBus.interface
    static let version = "0.1.0"

    let connection: Connection
    let registry: JobRegistry
    let notifier: Notifier
    let launcher: LauncherPresenter
    let doNotDisturb: DoNotDisturbService
    let callerApps: CallerApps
    let history: HistoryStore
    /// The jobs' metrics (`ReportMetrics`, `GetMetrics`).
    let metrics: MetricsKeeper
    /// Silent jobs (stalls): told of every report.
    let stalls: StallDetector
    let notifications: NotificationsClient
    /// Writes `GetNotifications` replies a page per turn of the loop.
    let historyPager: HistoryPager
    /// How the history is kept (`HistoryState`): in its file, or degraded.
    let historyState: HistoryState
    let log: Logger
    /// The configuration the methods apply (milestones, templates, the default app…).
    var configuration: Configuration
    /// The link to an MQTT broker as the properties show it: its state, a sentence, what it refused.
    var remoteStatus: (() -> (state: String, summary: String, refused: UInt64))?
    /// Whether the user is at the desk or away, and what decided (the presence watcher's status).
    var presenceStatus: (() -> PresenceStatus)?
    /// A line per sink ([sink NAME]): what went out, waits or failed (the `SinkStatus` property).
    var sinkStatus: (() -> [String])?
    /// `TestSink`: sends a test message to a sink; the answer comes later.
    var testSink: ((String, @escaping (Result<String, TrainBellError>) -> Void) -> Void)?
    /// `Reload`: the daemon reads the configuration again.
    var reload: (() -> Result<Void, TrainBellError>)?
    private(set) var root: ExportedObject!

    init(connection: Connection, registry: JobRegistry, notifier: Notifier, launcher: LauncherPresenter,
         doNotDisturb: DoNotDisturbService, callerApps: CallerApps, history: HistoryStore,
         metrics: MetricsKeeper, stalls: StallDetector, notifications: NotificationsClient, historyPager: HistoryPager, historyState: HistoryState,
         configuration: Configuration, log: Logger) {
        self.historyPager = historyPager
        self.historyState = historyState
        self.connection = connection
        self.registry = registry
        self.notifier = notifier
        self.launcher = launcher
        self.doNotDisturb = doNotDisturb
        self.callerApps = callerApps
        self.history = history
        self.metrics = metrics
        self.stalls = stalls
        self.notifications = notifications
        self.configuration = configuration
        self.log = log
    }

    /// Exports the root object (before the name is requested: calls that come during activation find it).
    func export() {
        root = ExportedObject(path: Self.path, interfaces: [table], managesObjects: true)
        connection.export(root)
    }

    /// Announces that root properties changed.
    func changed(_ properties: [MemberName]) {
        root?.emitPropertiesChanged(Self.interface, properties)
    }

    /// Emits a root signal, to everyone or to `destination` only.
    func emit(_ member: MemberName, _ arguments: [DBusValue], to destination: String? = nil) {
        if let destination {
            try? connection.emitSignal(path: Self.path, interface: Self.interface, member: member, arguments,
                                       destination: destination)
        } else {
            try? root?.emit(Self.interface, member, arguments)
        }
    }

    /// `NotificationEmitted` for a decided record.
    func emitNotification(_ record: NotificationRecord) {
        log.debug("notification \(record.id) of job \(record.jobID): \(record.event.type.rawValue) \"\(record.event.title)\" \(record.delivery.rawValue), server id \(record.serverID)")
        emit("NotificationEmitted", [.string(record.jobID), record.busValue])
    }

    /// `org.trainbell.TrainBell1`: one table for dispatch and introspection (DESIGN.md section 3).
    private var table: Interface {
        let options: DBusType = .dictionary(key: .string, value: .variant)
        return Interface(Self.interface, documentation: "trainbell: desktop notifications for machine-learning training.", methods: [
            Method(TrainBell1.startJob) { [unowned self] call, id, title, total, options in
                try self.guarded { () throws(TrainBellError) in
                    Single(try self.startJob(self.jobID(id, call), title: title, total: total, options: OptionMap(options),
                                             caller: call.sender, host: self.host(of: call)))
                }
            },
            Method(TrainBell1.reportProgress) { [unowned self] call, id, current, total in
                try self.guarded { () throws(TrainBellError) in
                    try self.reportProgress(self.jobID(id, call), current: current, total: total, caller: call.sender, host: self.host(of: call))
                    return NoResult()
                }
            },
            Method(TrainBell1.reportError) { [unowned self] call, id, message, type, urgency in
                try self.guarded { () throws(TrainBellError) in
                    Single(try self.reportError(self.jobID(id, call), message: message, type: type, urgency: urgency,
                                                caller: call.sender, host: self.host(of: call)))
                }
            },
            Method(TrainBell1.reportWarning) { [unowned self] call, id, message in
                try self.guarded { () throws(TrainBellError) in
                    Single(try self.reportWarning(self.jobID(id, call), message: message, caller: call.sender, host: self.host(of: call)))
                }
            },
            Method(TrainBell1.completeJob) { [unowned self] call, id, message in
                try self.guarded { () throws(TrainBellError) in Single(try self.completeJob(self.jobID(id, call), message: message)) }
            },
            Method(TrainBell1.cancelJob) { [unowned self] call, id in
                try self.guarded { () throws(TrainBellError) in
                    try self.cancelJob(self.jobID(id, call))
                    return NoResult()
                }
            },
            Method(TrainBell1.identifyHost) { [unowned self] call, host in
                try self.guarded { () throws(TrainBellError) in
                    try self.identifyHost(host, call)
                    return NoResult()
                }
            },
            Method(TrainBell1.send, deferred: { [unowned self] call, reply, summary, body, options in
                self.send(summary: summary, body: body, options: OptionMap(options), sender: call.sender, reply: reply)
            }),
            Method(TrainBell1.setProgress) { [unowned self] _, appID, value in
                try self.guarded { () throws(TrainBellError) in
                    try self.setProgress(appID, value: value)
                    return NoResult()
                }
            },
            Method(TrainBell1.checkAppID) { [unowned self] _, appID in
                try self.guarded { () throws(TrainBellError) in try self.checkAppID(appID) }
            },
            Method(TrainBell1.getNotifications, deferred: { [unowned self] call, reply, id in
                self.getNotifications(id.isEmpty ? id : self.jobID(id, call), reply: reply)
            }),
            Method(TrainBell1.reportMetrics) { [unowned self] call, id, step, metrics in
                try self.guarded { () throws(TrainBellError) in
                    try self.reportMetrics(self.jobID(id, call), step: step, metrics: metrics, caller: call.sender, host: self.host(of: call))
                    return NoResult()
                }
            },
            Method(TrainBell1.getMetrics) { [unowned self] call, id in
                try self.guarded { () throws(TrainBellError) in Single(try self.getMetrics(self.jobID(id, call))) }
            },
            Method(TrainBell1.getDoNotDisturb) { [unowned self] _ in
                // A source without change signals (mako 1.7) is read now, so the answer is current.
                self.doNotDisturb.refresh()
                return DoNotDisturbReply(active: self.notifier.doNotDisturb.active, source: self.notifier.doNotDisturb.source)
            },
            Method(TrainBell1.reload) { [unowned self] _ in
                try self.guarded { () throws(TrainBellError) in
                    try (self.reload?() ?? .success(())).get()
                    return NoResult()
                }
            },
            Method(TrainBell1.testSink, deferred: { [unowned self] _, reply, name in
                guard let testSink = self.testSink else { return reply.fail(TrainBellError.failed("no sinks in this daemon").busError) }
                testSink(name) { result in
                    switch result {
                    case .success(let answer): reply.succeed([.string(answer)])
                    case .failure(let error): reply.fail(error.busError)
                    }
                }
            }),
        ], properties: [
            Property("Version", .string, emitsChange: .const, documentation: "The daemon's version.") { .string(Self.version) },
            Property("DoNotDisturb", .boolean, documentation: "Do Not Disturb as last read.") { [unowned self] in
                self.doNotDisturb.refresh()
                return .boolean(self.notifier.doNotDisturb.active)
            },
            Property("DoNotDisturbSource", .string, documentation: "Which source decided DoNotDisturb.") { [unowned self] in
                .string(self.notifier.doNotDisturb.source)
            },
            Property("NotificationServer", .string, documentation: "The notification server's name, \"\" when none.") { [unowned self] in
                .string(self.notifications.server?.name ?? "")
            },
            Property("ActiveJobs", .uint32, documentation: "Jobs that are running.") { [unowned self] in
                .uint32(UInt32(clamping: self.registry.runningCount))
            },
            Property("Presence", .string,
                     documentation: "Whether you are at the desk: \"at-desk\" or \"away\" (screen locked, or no input for [away] away-after minutes; [away] when decides).") { [unowned self] in
                .string(self.presenceStatus?().name ?? "at-desk")
            },
            Property("PresenceSource", .string,
                     documentation: "What decided Presence: \"screen locked, org.gnome.ScreenSaver\", \"no input for 10 min, org.gnome.Mutter.IdleMonitor\", \"screen unlocked, org.freedesktop.login1\", \"[away] when=always\", or \"none\" (no source on the bus).") { [unowned self] in
                .string(self.presenceStatus?().source ?? "none")
            },
            Property("HistoryState", .string, emitsChange: .const,
                     documentation: "How the history is kept: \"ok\", \"recovered: moved the corrupt file to …\", or \"in-memory: …\" (the file cannot be used; everything is still delivered).") { [unowned self] in
                .string(self.historyState.description)
            },
            Property("RemoteState", .string,
                     documentation: "The link to an MQTT broker ([remote] broker): \"off\" (none configured), \"connecting\", \"connected\", \"waiting\" (lost or refused; trying again with backoff).") { [unowned self] in
                .string(self.remoteStatus?().state ?? "off")
            },
            Property("RemoteStatus", .string,
                     documentation: "The link to the broker in a sentence: \"connected to mqtts://alice@broker:8883/trainbell/alice\", \"waiting to reconnect to …: connection refused\".") { [unowned self] in
                .string(self.remoteStatus?().summary ?? "off")
            },
            Property("RemoteRefused", .uint64,
                     documentation: "Messages from the broker refused so far (malformed, wrong schema version, too large, unknown event, duplicate), each logged (rate-limited).") { [unowned self] in
                .uint64(self.remoteStatus?().refused ?? 0)
            },
            Property("SinkStatus", .array(.string),
                     documentation: "A line per sink ([sink NAME]): \"phone (ntfy, when away): 12 sent, 2 waiting, 1 failed; last answer: HTTP 200\". Empty when none is configured.") { [unowned self] in
                .array(.string, (self.sinkStatus?() ?? []).map { .string($0) })
            },
        ], signals: [
            SignalDeclaration("NotificationEmitted", [Argument("job_id", .string), Argument("notification", options)],
                              documentation: "Every notification decided, shown or not: the live stream."),
            SignalDeclaration("ActionInvoked", [Argument("job_id", .string), Argument("action", .string)],
                              documentation: "The user clicked an action: details, retry, default, or a Send action key."),
            SignalDeclaration("NotificationActionInvoked", [Argument("server_id", .uint32), Argument("action_key", .string)],
                              documentation: "The server's ActionInvoked for a Send notification, relayed to the Send caller only."),
            SignalDeclaration("NotificationClosed", [Argument("server_id", .uint32), Argument("reason", .uint32)],
                              documentation: "The server's NotificationClosed for a Send notification, relayed to the Send caller only."),
        ])
    }

    /// Runs a handler, mapping domain errors to D-Bus errors (the one table is `TrainBellError.busError`).
    func guarded<Result>(_ body: () throws(TrainBellError) -> Result) throws(BusError) -> Result {
        do { return try body() } catch { throw error.busError }
    }
}
