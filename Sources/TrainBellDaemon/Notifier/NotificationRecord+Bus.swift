import DBus
import TrainBellCore

extension NotificationRecord {
    /// The notification record of DESIGN.md section 3 as `a{sv}`: the seed's NotificationEvent plus
    /// delivery facts. `milestone` only on progress, `taskbar_progress` only when known.
    var busValue: DBusValue {
        var entries: [(String, DBusValue)] = [
            ("id", .uint64(id)),
            ("job_id", .string(jobID)),
            ("type", .string(event.type.rawValue)),
            ("title", .string(event.title)),
            ("message", .string(event.message)),
        ]
        if let milestone = event.milestone { entries.append(("milestone", .int32(Int32(clamping: milestone)))) }
        entries += [
            ("urgency", .string(event.urgency.rawValue)),
            ("sound", .boolean(event.sound)),
            ("actions", .array(.string, event.actions.map { .string($0.label) })),
        ]
        if let progress = event.taskbarProgress { entries.append(("taskbar_progress", .double(progress))) }
        entries += [
            ("respect_dnd", .boolean(event.respectsDoNotDisturb)),
            ("timestamp", .int64(timestamp)),
            ("delivery", .string(delivery.rawValue)),
            ("server_id", .uint32(serverID)),
        ]
        if let errorType = event.errorType { entries.append(("error_type", .string(errorType))) }
        return .vardict(entries)
    }
}
