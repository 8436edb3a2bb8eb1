import DBus
import Glibc
import Logging
import TrainBellCore
import TrainBellDesktop

/// What a click on a notification does: **View Details** writes the error's full text (from the
/// history) to a private file and opens it, **Retry** runs the configured command; every click is
/// re-emitted as trainbell's `ActionInvoked`, and the server's signals about a `Send` notification
/// are relayed to the caller that sent it.
final class ActionRunner {
    private let connection: Connection
    private let history: HistoryStore
    private let notifier: Notifier
    private let log: Logger
    /// Where the detail files go (`$XDG_STATE_HOME/trainbell/details`).
    private let detailsDirectory: String
    /// The configured commands.
    var detailsCommand: ActionCommand
    var retryCommand: ActionCommand?
    /// Where a job runs when it is remote (its host and its id there), else nil: its clicks go back
    /// to the publisher, and no command runs for it.
    var remoteJob: ((_ jobID: String) -> (host: String, job: String)?)?
    /// Publishes a click on a remote job (the broker link).
    var publishAction: ((RemoteAction) -> Void)?
    /// Emits one of trainbell's root signals (`ActionInvoked`, or a relayed one to `destination`).
    var emit: ((_ member: MemberName, _ arguments: [DBusValue], _ destination: String?) -> Void)?
    /// Told of every bubble the server closed, with its reason (`NotificationClosed`).
    var onClosed: ((_ serverID: UInt32, _ reason: UInt32) -> Void)?

    init(connection: Connection, history: HistoryStore, notifier: Notifier, stateDirectory: String,
         detailsCommand: ActionCommand, retryCommand: ActionCommand?, log: Logger) {
        self.connection = connection
        self.history = history
        self.notifier = notifier
        self.detailsDirectory = stateDirectory + "/details"
        self.detailsCommand = detailsCommand
        self.retryCommand = retryCommand
        self.log = log
    }

    /// Follows the server's `ActionInvoked` and `NotificationClosed`.
    func start(_ notifications: NotificationsClient) {
        notifications.onActionInvoked = { [weak self] id, key in self?.invoked(serverID: id, key: key) }
        notifications.onNotificationClosed = { [weak self] id, reason in self?.closed(serverID: id, reason: reason) }
    }

    /// The user clicked `key` on notification `serverID`.
    func invoked(serverID: UInt32, key: String) {
        guard let origin = notifier.origin(of: serverID) else { return }
        if let sender = origin.sender {
            emit?("NotificationActionInvoked", [.uint32(serverID), .string(key)], sender)
        }
        if let remote = remoteJob?(origin.jobID) {
            // A remote job: Retry runs nothing here; the click goes back to the host. Details shows
            // the text trainbell received.
            if RemoteAction.names.contains(key) {
                publishAction?(RemoteAction(host: remote.host, job: remote.job, action: key, time: Double(Clock.now()) / 1e6))
            }
            if key == "details" || key == "default", origin.recordID != 0, let record = try? history.record(id: origin.recordID),
               record.event.type == .error {
                openDetails(of: record)
            }
        } else if origin.recordID != 0, let record = try? history.record(id: origin.recordID), record.event.type == .error {
            switch key {
            case "details", "default": openDetails(of: record)
            case "retry": runRetry(jobID: origin.jobID)
            default: break
            }
        }
        emit?("ActionInvoked", [.string(origin.jobID), .string(key)], nil)
    }

    private func closed(serverID: UInt32, reason: UInt32) {
        if let sender = notifier.origin(of: serverID)?.sender {
            emit?("NotificationClosed", [.uint32(serverID), .uint32(reason)], sender)
        }
        notifier.closed(serverID)
        onClosed?(serverID, reason)
    }

    /// Writes the full text to `details/<record>.txt` and opens it with the configured command, else
    /// `xdg-open`.
    func openDetails(of record: NotificationRecord) {
        let file = detailsDirectory + "/\(record.id).txt"
        let text = """
            \(record.event.title)
            job: \(record.jobID)
            error type: \(record.event.errorType ?? "")
            urgency: \(record.event.urgency.rawValue)
            time: \(record.timestamp) µs since the epoch

            \(record.event.message)

            """
        guard makeDirectory(detailsDirectory), Self.writePrivately(text, to: file) else {
            log.error("cannot write the details of notification \(record.id) to \(file): \(String(cString: strerror(errno)))")
            return
        }
        launch(detailsCommand.arguments(file: file, job: record.jobID), what: "details")
    }

    private func runRetry(jobID: String) {
        guard let retryCommand else {
            log.info("Retry clicked for job \(jobID): no retry command is configured ([actions] retry=); the ActionInvoked signal tells the trainer")
            return
        }
        launch(retryCommand.arguments(file: "", job: jobID), what: "retry")
    }

    private func launch(_ arguments: [String], what: String) {
        do {
            try CommandLauncher.launch(arguments)
        } catch {
            log.error("the \(what) command failed: \(error)")
        }
    }

    private func makeDirectory(_ path: String) -> Bool {
        var st = stat()
        if stat(path, &st) == 0 { return true }
        return mkdir(path, 0o700) == 0 || errno == EEXIST
    }

    /// Writes `text` to a new file only the user can read (0600, whatever the umask), never through
    /// a symbolic link planted at `path`: a temporary file made with `O_EXCL | O_NOFOLLOW`, then
    /// renamed over `path` (a rename replaces a link, it does not follow it).
    static func writePrivately(_ text: String, to path: String) -> Bool {
        let temporary = path + ".\(getpid()).tmp"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return false }
        var ok = fchmod(descriptor, 0o600) == 0
        var bytes = Array(text.utf8)[...]
        while ok && !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { ok = false; break }
            bytes = bytes.dropFirst(written)
        }
        if close(descriptor) != 0 { ok = false }
        if ok && rename(temporary, path) == 0 { return true }
        unlink(temporary)
        return false
    }
}
