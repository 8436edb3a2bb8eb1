import DBus

/// The names of trainbelld on the bus (DESIGN.md section 3), spelled here only.
public enum TrainBellBus {
    public static let name: BusName = "org.trainbell.TrainBell1"
    public static let path: ObjectPath = "/org/trainbell/TrainBell1"
    public static let interface: InterfaceName = "org.trainbell.TrainBell1"
    public static let jobInterface: InterfaceName = "org.trainbell.TrainBell1.Job"
    /// Job objects are `/org/trainbell/TrainBell1/job/<id escaped as a bus label>`.
    public static let jobRoot: ObjectPath = "/org/trainbell/TrainBell1/job"
}

/// `GetDoNotDisturb`'s answer.
public struct DoNotDisturbReply: BusResult, Equatable {
    public var active: Bool
    public var source: String
    public init(active: Bool, source: String) {
        self.active = active
        self.source = source
    }
    public static var types: [DBusType] { [.boolean, .string] }
    public init(replyValues: [DBusValue]) throws(BusError) {
        guard replyValues.count == 2 else { throw BusError(.invalidArgs, "GetDoNotDisturb answers (bs), got \(replyValues.count) values") }
        active = try replyValues[0].decode(Bool.self, what: "active")
        source = try replyValues[1].decode(String.self, what: "source")
    }
    public var replyValues: [DBusValue] { [.boolean(active), .string(source)] }
}

/// `CheckAppId`'s answer.
public struct AppIDCheck: BusResult, Equatable {
    public var installed: Bool
    public var suggestions: [String]
    public init(installed: Bool, suggestions: [String]) {
        self.installed = installed
        self.suggestions = suggestions
    }
    public static var types: [DBusType] { [.boolean, .array(.string)] }
    public init(replyValues: [DBusValue]) throws(BusError) {
        guard replyValues.count == 2 else { throw BusError(.invalidArgs, "CheckAppId answers (bas), got \(replyValues.count) values") }
        installed = try replyValues[0].decode(Bool.self, what: "installed")
        suggestions = try replyValues[1].decode([String].self, what: "suggestions")
    }
    public var replyValues: [DBusValue] { [.boolean(installed), .array(.string, suggestions.map { .string($0) })] }
}

/// The methods of `org.trainbell.TrainBell1` (DESIGN.md section 3), one typed descriptor each.
public enum TrainBell1 {
    public typealias Options = [String: DBusValue]

    public static let startJob = BusMethod<Single<ObjectPath>, String, String, UInt64, Options>(
        "StartJob", arguments: ["id", "title", "total_steps", "options"], results: ["job"],
        documentation: "A new run of id: milestones start over (history is kept). total_steps 0: not known yet (the first ReportProgress with a total sets it). options: app-id (s), milestones (au, 1..100), icon (s).")
    public static let reportProgress = BusMethod<NoResult, String, UInt64, UInt64>(
        "ReportProgress", arguments: ["id", "current_step", "total_steps"], noReply: true,
        documentation: "Progress of a run; total_steps 0 keeps the known total. An unknown id starts a job titled by its id. Cheap: may be called every step, also without waiting for a reply.")
    public static let reportError = BusMethod<Single<UInt64>, String, String, String, String>(
        "ReportError", arguments: ["id", "message", "error_type", "urgency"], results: ["record"],
        documentation: "An error: always shown, even in Do Not Disturb. urgency \"\" = from the error type (oom_error, cuda_error, system_crash critical; loss_divergence, gradient_explosion, data_error high). The record is 0 when the history could not keep it (a full disk, say): the notification still goes out, and HistoryState says why.")
    public static let reportWarning = BusMethod<Single<UInt64>, String, String>(
        "ReportWarning", arguments: ["id", "message"], results: ["record"],
        documentation: "A warning (respects Do Not Disturb). The record is 0 when the history could not keep it (a full disk, say): the notification still goes out, and HistoryState says why.")
    public static let completeJob = BusMethod<Single<UInt64>, String, String>(
        "CompleteJob", arguments: ["id", "message"], results: ["record"],
        documentation: "Ends a run (early stopping…). Returns the completion record, or 0 when 100 % was already notified or the history could not keep it.")
    public static let cancelJob = BusMethod<NoResult, String>(
        "CancelJob", arguments: ["id"],
        documentation: "Ends a run without a notification; its launcher progress is removed.")
    public static let identifyHost = BusMethod<NoResult, String>(
        "IdentifyHost", arguments: ["host"],
        documentation: "Through trainbell's peer socket only (a desktop forwarded to another machine): names the host the caller's jobs run on. The job ids this connection uses are then HOST/ID on the desktop, with Host set and the host shown in their notifications.")
    public static let send = BusMethod<Single<UInt32>, String, String, Options>(
        "Send", arguments: ["summary", "body", "options"], results: ["server_id"],
        documentation: "A notification of the caller's own, through the same policy (notify-send style). options: urgency (s), expire-timeout (i), app-name (s), icon (s), category (s), actions (as), hints (a{sv}), replace-id (u), job (s), transient (b). Returns the server's id, 0 when not shown.")
    public static let setProgress = BusMethod<NoResult, String, Double>(
        "SetProgress", arguments: ["app_id", "value"],
        documentation: "Launcher progress of an app without jobs: 0.0-0.99 shows progress, 1.0 completes (flash, then removed), -1 removes.")
    public static let checkAppID = BusMethod<AppIDCheck, String>(
        "CheckAppId", arguments: ["app_id"], results: ["installed", "suggestions"],
        documentation: "Whether a desktop file is installed for app_id (docks show nothing for an id without one), and when not the installed ids closest to it.")
    public static let getNotifications = BusMethod<Single<[VarDict]>, String>(
        "GetNotifications", arguments: ["id"], results: ["notifications"],
        documentation: "The history of a job, oldest first; \"\" = all jobs.")
    public static let getDoNotDisturb = BusMethod<DoNotDisturbReply>(
        "GetDoNotDisturb", arguments: [], results: ["active", "source"],
        documentation: "Whether Do Not Disturb is on, and which source decided (gnome, kde, dunst, …, none).")
    public static let reportMetrics = BusMethod<NoResult, String, UInt64, [String: Double]>(
        "ReportMetrics", arguments: ["id", "step", "metrics"], noReply: true,
        documentation: "Numbers of a run at a step (loss, accuracy, …), kept in the history of its current run, downsampled to about 2,000 points a metric (the first, the last, the lowest, the highest and the first NaN always kept). NaN and infinities are accepted. Names: 1 to 64 printable ASCII bytes; at most 64 metrics a call and 256 names a job. An unknown id starts a job titled by its id, as ReportProgress does. Cheap: may be called every step, also without waiting for a reply.")
    public static let getMetrics = BusMethod<Single<[MetricsRow]>, String>(
        "GetMetrics", arguments: ["id"], results: ["metrics"],
        documentation: "The metrics of the current run of a job, oldest first: a (step, values) per report kept, each report's values by name. UnknownJob when trainbelld never saw the job.")
    public static let reload = BusMethod<NoResult>(
        "Reload", arguments: [], documentation: "Re-reads the configuration file (also on SIGHUP).")
    public static let testSink = BusMethod<Single<String>, String>(
        "TestSink", arguments: ["name"], results: ["answer"],
        documentation: "Sends a test message to the sink [sink NAME] now (not through the outbox) and answers what it said (\"HTTP 200: …\", \"SMTP 250\", \"exit status 0\"). InvalidArgument for a name not configured; Failed with the sink's answer when it did not take the message.")
}

/// One row of `GetMetrics`' `a(ta{sd})`: a step and the values kept of the report at it.
public struct MetricsRow: DBusRepresentable, Sendable {
    public var step: UInt64
    public var values: [String: Double]
    public init(step: UInt64, values: [String: Double]) {
        self.step = step
        self.values = values
    }
    public static var dbusType: DBusType { .structure([.uint64, .dictionary(key: .string, value: .double)]) }
    /// The values sorted by name, so that a reply reads the same every time.
    public var dbusValue: DBusValue {
        .structure([.uint64(step), .dictionary(key: .string, value: .double,
                                               values.sorted { $0.key < $1.key }.map { DictEntry(.string($0.key), .double($0.value)) })])
    }
    public init?(dbusValue: DBusValue) {
        guard case .structure(let fields) = dbusValue.unwrapped, fields.count == 2,
            let step = UInt64(dbusValue: fields[0]), let values = [String: Double](dbusValue: fields[1])
        else { return nil }
        self.step = step
        self.values = values
    }
}

/// An `a{sv}` in the order it came (a notification record: its fields as the daemon wrote them, so
/// that `trainbell history --json` prints them in that order).
public struct VarDict: DBusRepresentable, Sendable, Equatable {
    public var entries: [(key: String, value: DBusValue)]
    public init(_ entries: [(key: String, value: DBusValue)]) { self.entries = entries }
    public static var dbusType: DBusType { .dictionary(key: .string, value: .variant) }
    public var dbusValue: DBusValue { .vardict(entries.map { ($0.key, $0.value) }) }
    public init?(dbusValue: DBusValue) {
        guard case .dictionary(.string, .variant, let items) = dbusValue.unwrapped else { return nil }
        var entries: [(key: String, value: DBusValue)] = []
        for item in items {
            guard case .string(let key) = item.key else { return nil }
            entries.append((key, item.value.unwrapped))
        }
        self.entries = entries
    }
    /// The value of `key` (variants looked through), nil when absent.
    public subscript(key: String) -> DBusValue? { entries.first { $0.key == key }?.value.unwrapped }
    public static func == (a: VarDict, b: VarDict) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// The standard interfaces trainbelld's objects implement, typed as its own methods are: the
/// daemon's and the jobs' properties, and the job objects (DESIGN.md section 3).
public enum TrainBellObjects {
    public typealias Properties = [String: DBusValue]

    /// `org.freedesktop.DBus.Properties.GetAll`: every property of `interface_name` on the object called.
    public static let getAllProperties = BusMethod<Single<Properties>, String>(
        "GetAll", interface: .properties, arguments: ["interface_name"], results: ["properties"],
        documentation: "Every property of an interface of the object.")
    /// `org.freedesktop.DBus.ObjectManager.GetManagedObjects` on trainbelld's object: the job objects,
    /// each with its interfaces' properties.
    public static let getManagedObjects = BusMethod<Single<[ObjectPath: [String: Properties]]>>(
        "GetManagedObjects", interface: .objectManager, arguments: [], results: ["objects"],
        documentation: "The job objects with their properties.")
}
