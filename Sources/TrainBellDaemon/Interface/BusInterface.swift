import DBus
import Logging
import TrainBellCore
import TrainBellDesktop

/// The bus interface: the root object `/org/trainbell/TrainBell1` with `org.trainbell.TrainBell1`,
/// its method table (decode, validate, then call the components that act) and its properties and
/// signals. It holds no state of its own but the configuration the methods apply.
final class BusInterface {
    static let busName: BusName = "org.trainbell.TrainBell1"
    static let path: ObjectPath = "/org/trainbell/TrainBell1"
    static let interface: InterfaceName = "org.trainbell.TrainBell1"
    static let version = "0.1.0"

    let connection: Connection
    let registry: JobRegistry
    let notifier: Notifier
    let launcher: LauncherPresenter
    let doNotDisturb: DoNotDisturbService
    let callerApps: CallerApps
    let history: HistoryStore
    let notifications: NotificationsClient
    /// Writes `GetNotifications` replies a page per turn of the loop.
    let historyPager: HistoryPager
    /// How the history is kept (`HistoryState`): in its file, or degraded.
    let historyState: HistoryState
    let log: Logger
    /// The configuration the methods apply (milestones, templates, the default app…).
    var configuration: Configuration
    /// `Reload`: the daemon reads the configuration again.
    var reload: (() -> Result<Void, TrainBellError>)?
    private(set) var root: ExportedObject!

    init(connection: Connection, registry: JobRegistry, notifier: Notifier, launcher: LauncherPresenter,
         doNotDisturb: DoNotDisturbService, callerApps: CallerApps, history: HistoryStore,
         notifications: NotificationsClient, historyPager: HistoryPager, historyState: HistoryState,
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
            Method("StartJob", in: [Argument("id", .string), Argument("title", .string), Argument("total_steps", .uint64),
                                    Argument("options", options)],
                   out: [Argument("job", .objectPath)],
                   documentation: "A new run of id: milestones start over (history is kept). total_steps 0: not known yet (the first ReportProgress with a total sets it). options: app-id (s), milestones (au, 1..100), icon (s).") { [unowned self] call in
                try self.guarded { () throws(TrainBellError) in
                    [.objectPath(try self.startJob(call.string(0), title: call.string(1),
                                                   total: call.uint64(2), options: OptionMap(call.arguments[3]),
                                                   caller: call.sender))]
                }
            },
            Method("ReportProgress", in: [Argument("id", .string), Argument("current_step", .uint64), Argument("total_steps", .uint64)],
                   annotations: [.noReply],
                   documentation: "Progress of a run; total_steps 0 keeps the known total. An unknown id starts a job titled by its id. Cheap: may be called every step, also without waiting for a reply.") { [unowned self] call in
                try self.guarded { () throws(TrainBellError) in
                    try self.reportProgress(call.string(0), current: call.uint64(1), total: call.uint64(2), caller: call.sender)
                    return []
                }
            },
            Method("ReportError", in: [Argument("id", .string), Argument("message", .string), Argument("error_type", .string),
                                       Argument("urgency", .string)],
                   out: [Argument("record", .uint64)],
                   documentation: "An error: always shown, even in Do Not Disturb. urgency \"\" = from the error type (oom_error, cuda_error, system_crash critical; loss_divergence, gradient_explosion, data_error high). The record is 0 when the history could not keep it (a full disk, say): the notification still goes out, and HistoryState says why.") { [unowned self] call in
                try self.guarded { () throws(TrainBellError) in
                    [.uint64(try self.reportError(call.string(0), message: call.string(1),
                                                  type: call.string(2), urgency: call.string(3), caller: call.sender))]
                }
            },
            Method("ReportWarning", in: [Argument("id", .string), Argument("message", .string)], out: [Argument("record", .uint64)],
                   documentation: "A warning (respects Do Not Disturb). The record is 0 when the history could not keep it (a full disk, say): the notification still goes out, and HistoryState says why.") { [unowned self] call in
                try self.guarded { () throws(TrainBellError) in
                    [.uint64(try self.reportWarning(call.string(0), message: call.string(1), caller: call.sender))]
                }
            },
            Method("CompleteJob", in: [Argument("id", .string), Argument("message", .string)], out: [Argument("record", .uint64)],
                   documentation: "Ends a run (early stopping…). Returns the completion record, or 0 when 100 % was already notified or the history could not keep it.") { [unowned self] call in
                try self.guarded { () throws(TrainBellError) in
                    [.uint64(try self.completeJob(call.string(0), message: call.string(1)))]
                }
            },
            Method("CancelJob", in: [Argument("id", .string)],
                   documentation: "Ends a run without a notification; its launcher progress is removed.") { [unowned self] call in
                try self.guarded { () throws(TrainBellError) in
                    try self.cancelJob(call.string(0))
                    return []
                }
            },
            Method("Send", in: [Argument("summary", .string), Argument("body", .string), Argument("options", options)],
                   out: [Argument("server_id", .uint32)],
                   documentation: "A notification of the caller's own, through the same policy (notify-send style). options: urgency (s), expire-timeout (i), app-name (s), icon (s), category (s), actions (as), hints (a{sv}), replace-id (u), job (s), transient (b). Returns the server's id, 0 when not shown.",
                   deferred: { [unowned self] call, reply in
                       self.send(call, reply: reply)
                   }),
            Method("SetProgress", in: [Argument("app_id", .string), Argument("value", .double)],
                   documentation: "Launcher progress of an app without jobs: 0.0-0.99 shows progress, 1.0 completes (flash, then removed), -1 removes.") { [unowned self] call in
                try self.guarded { () throws(TrainBellError) in
                    try self.setProgress(call.string(0), value: call.double(1))
                    return []
                }
            },
            Method("CheckAppId", in: [Argument("app_id", .string)],
                   out: [Argument("installed", .boolean), Argument("suggestions", .array(.string))],
                   documentation: "Whether a desktop file is installed for app_id (docks show nothing for an id without one), and when not the installed ids closest to it.") { [unowned self] call in
                try self.guarded { () throws(TrainBellError) in try self.checkAppID(call.string(0)) }
            },
            Method("GetNotifications", in: [Argument("id", .string)],
                   out: [Argument("notifications", .array(.dictionary(key: .string, value: .variant)))],
                   documentation: "The history of a job, oldest first; \"\" = all jobs.",
                   deferred: { [unowned self] call, reply in
                       self.getNotifications(call.string(0), reply: reply)
                   }),
            Method("GetDoNotDisturb", out: [Argument("active", .boolean), Argument("source", .string)],
                   documentation: "Whether Do Not Disturb is on, and which source decided (gnome, kde, dunst, …, none).") { [unowned self] _ in
                // A source without change signals (mako 1.7) is read now, so the answer is current.
                self.doNotDisturb.refresh()
                return [.boolean(self.notifier.doNotDisturb.active), .string(self.notifier.doNotDisturb.source)]
            },
            Method("Reload", documentation: "Re-reads the configuration file (also on SIGHUP).") { [unowned self] _ in
                try self.guarded { () throws(TrainBellError) in
                    try (self.reload?() ?? .success(())).get()
                    return []
                }
            },
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
            Property("HistoryState", .string, emitsChange: .const,
                     documentation: "How the history is kept: \"ok\", \"recovered: moved the corrupt file to …\", or \"in-memory: …\" (the file cannot be used; everything is still delivered).") { [unowned self] in
                .string(self.historyState.description)
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
    func guarded(_ body: () throws(TrainBellError) -> [DBusValue]) throws(BusError) -> [DBusValue] {
        do { return try body() } catch { throw error.busError }
    }
}

extension MethodCall {
    // The dispatcher checked the signature before the handler runs: these read arguments of known types.
    func string(_ index: Int) -> String { arguments.indices.contains(index) ? arguments[index].stringValue ?? "" : "" }
    func uint64(_ index: Int) -> UInt64 { arguments.indices.contains(index) ? UInt64(dbusValue: arguments[index]) ?? 0 : 0 }
    func double(_ index: Int) -> Double { arguments.indices.contains(index) ? arguments[index].doubleValue ?? 0 : 0 }
}
