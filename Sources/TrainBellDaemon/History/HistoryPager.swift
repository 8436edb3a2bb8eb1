import DBus
import DBusGLib
import TrainBellCore

/// Answers `GetNotifications` a page at a time, so that no turn of the loop is held long by a large
/// reply: the records that fit are chosen first from their sizes (``HistoryStore/replyWindow(jobID:limit:budget:)``,
/// no record read), then each idle turn of the loop reads one page from the history and marshals it
/// into the reply (``ArrayReply``), until it is sent. Calls that arrive meanwhile (a `Peer.Ping`, a
/// `ReportError`) are served between pages.
///
/// Requests are answered one after the other, in order of arrival; at most ``maximumWaiting`` wait.
final class HistoryPager {
    /// A reply holds at most this much text: the newest records that fit (the bus refuses messages
    /// over 128 MiB, and would disconnect the daemon for one).
    static let maximumReplyText: Int64 = 32 << 20
    /// And at most this many records.
    static let maximumReplyRecords = 100_000
    /// One turn of the loop reads and marshals at most this many records…
    static let pageRecords = 64
    /// …and hardly more than this much text (a record is never split): a few milliseconds of work.
    static let pageText: Int64 = 256 << 10
    /// Requests waiting at most; more are refused with `LimitsExceeded`.
    static let maximumWaiting = 64

    /// The type of a record on the bus.
    static let recordType: DBusType = .dictionary(key: .string, value: .variant)

    /// One reply being written.
    private struct Request {
        let jobID: String?
        /// The next id to read, and the last one of the window.
        var next: Int64
        let last: Int64
        /// Records still to come.
        var left: Int
        let reply: ArrayReply
    }

    private let history: HistoryStore
    private let loop: MainLoop
    private var requests: [Request] = []
    private var idle: EventSource?

    init(history: HistoryStore, loop: MainLoop) {
        self.history = history
        self.loop = loop
    }

    /// Requests waiting or being written.
    var pendingCount: Int { requests.count }

    /// Answers `pending` with the newest records of `jobID` (nil for all jobs) that fit in a reply,
    /// oldest first.
    ///
    /// - Throws: `limitsExceeded` when too many requests wait, `failed` when the history cannot be
    ///   read, `unknownJob` when `jobID` is not a job now (`isKnown` false) and has no records.
    func answer(jobID: String?, isKnown: Bool, _ pending: PendingReply) throws(TrainBellError) {
        guard requests.count < Self.maximumWaiting else {
            throw .limitsExceeded("\(requests.count) GetNotifications calls are being answered, the most trainbelld takes at once; try again")
        }
        let window: HistoryStore.ReplyWindow?
        do {
            window = try history.replyWindow(jobID: jobID, limit: Self.maximumReplyRecords, budget: Self.maximumReplyText)
        } catch {
            throw .failed("cannot read the history: \(error)")
        }
        if let jobID, !isKnown, window == nil { throw .unknownJob(BusArguments.printable(jobID)) }
        guard let reply = pending.arrayReply(of: Self.recordType) else { return }
        guard let window else {
            reply.send()
            return
        }
        requests.append(Request(jobID: jobID, next: window.oldest, last: window.newest, left: window.count, reply: reply))
        if idle == nil {
            idle = loop.addIdle { [weak self] in self?.writePage() ?? false }
        }
    }

    /// Reads and writes one page of the oldest request; true while requests remain.
    private func writePage() -> Bool {
        guard var request = requests.first else {
            idle = nil
            return false
        }
        do {
            let page = try history.records(jobID: request.jobID, from: request.next, through: request.last,
                                           limit: min(Self.pageRecords, request.left), budget: Self.pageText)
            try request.reply.append(page.map(\.busValue))
            request.left -= page.count
            request.next = (page.last?.id).map { Int64($0) + 1 } ?? request.last + 1
            if page.isEmpty || request.left <= 0 || request.next > request.last {
                request.reply.send()
                requests.removeFirst()
            } else {
                requests[0] = request
            }
        } catch {
            request.reply.fail(BusError(.failed, "cannot read the history: \(error)"))
            requests.removeFirst()
        }
        guard !requests.isEmpty else {
            idle = nil
            return false
        }
        return true
    }
}
