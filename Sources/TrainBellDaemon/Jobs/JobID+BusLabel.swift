import DBus
import TrainBellCore

extension JobID {
    /// The element of the job's object path,
    /// `/org/trainbell/TrainBell1/job/<busLabel>` (see ``BusLabel``).
    var busLabel: String { BusLabel.escape(rawValue) }

    /// The job id whose ``busLabel`` is exactly `busLabel`, or nil when there
    /// is none (not a valid id, or not the canonical escaping of one, so
    /// that every job has one path).
    init?(busLabel: some StringProtocol) {
        guard let text = BusLabel.unescape(busLabel),
            let id = try? JobID(text),
            id.busLabel == busLabel
        else { return nil }
        self = id
    }
}
