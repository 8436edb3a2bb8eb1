import DBus
import Glibc
import TrainBellCore
import TrainBellDesktop

extension Daemon {
    /// The server says the user clicked `key` on notification `serverID`: run what trainbell does for it
    /// (`details` opens the full text, `retry` the configured command) and re-emit it as our own signal.
    func actionInvoked(serverID: UInt32, key: String) {
        guard let origin = notifier.origins[serverID] else { return }
        if let sender = origin.sender {
            try? connection.emitSignal(path: Self.path, interface: Self.interface, member: "NotificationActionInvoked",
                                       [.uint32(serverID), .string(key)], destination: sender)
        }
        if let record = try? history.record(id: origin.recordID), record.event.type == .error {
            switch key {
            case "details", "default": openDetails(of: record)
            case "retry": runRetry(jobID: origin.jobID)
            default: break
            }
        }
        try? root.emit(Self.interface, "ActionInvoked", [.string(origin.jobID), .string(key)])
    }

    /// Writes the full text to `$XDG_STATE_HOME/trainbell/details/<record>.txt` and opens it with the
    /// configured command, else `xdg-open`.
    func openDetails(of record: NotificationRecord) {
        let directory = options.stateDirectory + "/details"
        let file = directory + "/\(record.id).txt"
        let text = """
            \(record.event.title)
            job: \(record.jobID)
            error type: \(record.event.errorType ?? "")
            urgency: \(record.event.urgency.rawValue)
            time: \(record.timestamp) µs since the epoch

            \(record.event.message)

            """
        guard makeDirectory(directory), write(text, to: file) else {
            log.error("cannot write the details of notification \(record.id) to \(file): \(String(cString: strerror(errno)))")
            return
        }
        launch(configuration.detailsCommand.arguments(file: file, job: record.jobID), what: "details")
    }

    func runRetry(jobID: String) {
        guard let retry = configuration.retryCommand else {
            log.info("Retry clicked for job \(jobID): no retry command is configured ([actions] retry=); the ActionInvoked signal tells the trainer")
            return
        }
        launch(retry.arguments(file: "", job: jobID), what: "retry")
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

    private func write(_ text: String, to path: String) -> Bool {
        guard let f = fopen(path, "w") else { return false }
        defer { fclose(f) }
        return text.withCString { fputs($0, f) } >= 0
    }
}
