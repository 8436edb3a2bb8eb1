import DBus
import TrainBellCore

extension BusInterface {
    /// `GetNotifications`: the newest records of a job ("" for all jobs) that fit in a reply, oldest
    /// first, written a page per turn of the loop (``HistoryPager``).
    func getNotifications(_ rawID: String, reply: PendingReply) {
        do throws(TrainBellError) {
            if !rawID.isEmpty { _ = try BusArguments.jobID(rawID) }
            try historyPager.answer(jobID: rawID.isEmpty ? nil : rawID, isKnown: rawID.isEmpty || registry.knownID(rawID) != nil, reply)
        } catch {
            reply.fail(error.busError)
        }
    }
}
