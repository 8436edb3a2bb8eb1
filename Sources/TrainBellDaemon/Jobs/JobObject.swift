import DBus
import TrainBellCore

/// The exported object of one job: `/org/trainbell/TrainBell1/job/<escaped id>`, interface
/// `org.trainbell.TrainBell1.Job`, properties read from the daemon's current state of the job.
enum JobObject {
    static let interface: InterfaceName = "org.trainbell.TrainBell1.Job"
    static let root: ObjectPath = "/org/trainbell/TrainBell1/job"

    /// The path of job `id`: its label escaped as systemd escapes bus path labels.
    static func path(of id: JobID) -> ObjectPath {
        root.appending(id.busLabel) ?? root
    }

    /// Every property of the job interface, in the order of DESIGN.md section 3.
    static let propertyNames: [MemberName] = [
        "Id", "Title", "State", "CurrentStep", "TotalSteps", "Progress", "SecondsLeft", "MilestonesSent", "LastError", "AppId",
        "StartedAt", "UpdatedAt", "Host",
    ]

    /// The properties whose values differ between two states of a job, in the order of
    /// `propertyNames`; all of them when there is no earlier state.
    static func changedProperties(from old: Job?, to new: Job) -> [MemberName] {
        guard let old else { return propertyNames }
        var names: [MemberName] = []
        if old.id != new.id { names.append("Id") }
        if old.title != new.title { names.append("Title") }
        if old.state != new.state { names.append("State") }
        if old.currentStep != new.currentStep { names.append("CurrentStep") }
        if old.totalSteps != new.totalSteps { names.append("TotalSteps") }
        if old.progress != new.progress { names.append("Progress") }
        if old.secondsLeft != new.secondsLeft { names.append("SecondsLeft") }
        if old.milestones.sent != new.milestones.sent { names.append("MilestonesSent") }
        if old.lastError != new.lastError { names.append("LastError") }
        if old.appID != new.appID { names.append("AppId") }
        if old.startedAt != new.startedAt { names.append("StartedAt") }
        if old.updatedAt != new.updatedAt { names.append("UpdatedAt") }
        if old.host != new.host { names.append("Host") }
        return names
    }

    /// The interface table; `job` reads the live state (nil once the job is gone).
    static func table(_ job: @escaping () -> Job?) -> Interface {
        func property(_ name: MemberName, _ type: DBusType, _ doc: String, _ read: @escaping (Job) -> DBusValue) -> Property {
            Property(name, type, documentation: doc) {
                guard let j = job() else { return zero(type) }
                return read(j)
            }
        }
        return Interface(interface, documentation: "One training run, as the daemon knows it.", properties: [
            property("Id", .string, "The job id the trainer chose.") { .string($0.id.rawValue) },
            property("Title", .string, "Shown in notifications; the id when none was given.") { .string($0.title) },
            property("State", .string, "running, completed, failed or cancelled.") { .string($0.state.rawValue) },
            property("CurrentStep", .uint64, "The last step reported.") { .uint64($0.currentStep) },
            property("TotalSteps", .uint64, "Steps in the run; 0 while unknown.") { .uint64($0.totalSteps) },
            property("Progress", .double, "CurrentStep / TotalSteps, 0 to 1.") { .double($0.progress) },
            property("SecondsLeft", .double, "Seconds until the run ends at its recent pace (the median rate of its last reports); -1 while that is not known.") {
                .double($0.secondsLeft ?? -1)
            },
            property("MilestonesSent", .array(.uint32), "Percentages already notified in this run.") {
                .array(.uint32, $0.milestones.sent.map { .uint32(UInt32(clamping: $0)) })
            },
            property("LastError", .string, "The message of the last ReportError (its first 4 KiB), or \"\".") {
                .string($0.lastError ?? "")
            },
            property("AppId", .string, "The desktop entry id whose launcher shows this job, or \"\".") { .string($0.appID ?? "") },
            property("StartedAt", .int64, "When this run started, microseconds since the epoch.") { .int64($0.startedAt) },
            property("UpdatedAt", .int64, "The last change, microseconds since the epoch.") { .int64($0.updatedAt) },
            property("Host", .string, "Where the job runs: \"\" on this desktop, else the remote host its reports came from (over the peer socket or a broker).") {
                .string($0.host)
            },
        ])
    }

    private static func zero(_ type: DBusType) -> DBusValue {
        switch type {
        case .uint64: .uint64(0)
        case .int64: .int64(0)
        case .double: .double(0)
        case .array(let element): .array(element, [])
        default: .string("")
        }
    }
}
