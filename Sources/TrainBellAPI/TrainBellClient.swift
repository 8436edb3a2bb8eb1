import DBus

/// A client of trainbelld on a connection (the CLI, the demo, the bench, the tests): every method of
/// ``TrainBell1`` with typed arguments and results, waiting for the reply, without waiting (the reply
/// comes on the connection's loop), or without asking for one. Calls start trainbelld by D-Bus
/// activation when it is installed and not running.
public struct TrainBellClient: Sendable {
    public let connection: Connection
    /// Where the daemon is: its well-known name, or a unique name / none on a peer-to-peer connection.
    public let destination: BusName?

    public init(connection: Connection, destination: BusName? = TrainBellBus.name) {
        self.connection = connection
        self.destination = destination
    }

    private func message<Result, each Argument>(_ method: BusMethod<Result, repeat each Argument>,
                                                _ arguments: repeat each Argument,
                                                path: ObjectPath = TrainBellBus.path) throws(BusError) -> Message {
        let message = Message.methodCall(destination: destination, path: path, interface: method.interface, member: method.name)
        try message.append(method.encode(repeat each arguments))
        return message
    }

    /// Calls `method` and waits at most `timeout` seconds for its result.
    @discardableResult
    public func call<Result, each Argument>(_ method: BusMethod<Result, repeat each Argument>, _ arguments: repeat each Argument,
                                            path: ObjectPath = TrainBellBus.path, timeout: Double = 25) throws(BusError) -> Result {
        let reply = try connection.call(message(method, repeat each arguments, path: path), timeout: timeout)
        return try Result(replyValues: reply.arguments())
    }

    /// Sends `method` without asking for a reply (nothing is known of its fate): for the hot path.
    public func callNoReply<Result, each Argument>(_ method: BusMethod<Result, repeat each Argument>,
                                                   _ arguments: repeat each Argument) throws(BusError) {
        let message = try message(method, repeat each arguments)
        message.noReplyExpected = true
        try connection.send(message)
    }

    /// Sends `method`; `reply` runs on the connection's loop with the result, an error, or the timeout.
    public func callAsync<Result, each Argument>(_ method: BusMethod<Result, repeat each Argument>, _ arguments: repeat each Argument,
                                                 timeout: Double = 25, reply: @escaping (Swift.Result<Result, BusError>) -> Void) {
        let message: Message
        do { message = try self.message(method, repeat each arguments) } catch {
            reply(.failure(error))
            return
        }
        connection.callAsync(message, timeout: timeout) { answer in
            reply(answer.flatMap { message in
                do throws(BusError) { return .success(try Result(replyValues: message.arguments())) } catch { return .failure(error) }
            })
        }
    }

    // MARK: The methods trainers use most, by name

    /// `StartJob`; returns the job's object path.
    @discardableResult
    public func startJob(_ id: String, title: String = "", total: UInt64, options: TrainBell1.Options = [:],
                         timeout: Double = 25) throws(BusError) -> ObjectPath {
        try call(TrainBell1.startJob, id, title, total, options, timeout: timeout).value
    }

    /// `ReportProgress`, waiting for the daemon to have taken it (`noReply` for the hot path).
    public func reportProgress(_ id: String, step: UInt64, total: UInt64 = 0, noReply: Bool = false,
                               timeout: Double = 25) throws(BusError) {
        if noReply {
            try callNoReply(TrainBell1.reportProgress, id, step, total)
        } else {
            try call(TrainBell1.reportProgress, id, step, total, timeout: timeout)
        }
    }

    /// `ReportError`; returns the record id (0 when the history could not keep it).
    @discardableResult
    public func reportError(_ id: String, message: String, type: String = "", urgency: String = "",
                            timeout: Double = 25) throws(BusError) -> UInt64 {
        try call(TrainBell1.reportError, id, message, type, urgency, timeout: timeout).value
    }

    /// `ReportWarning`; returns the record id.
    @discardableResult
    public func reportWarning(_ id: String, message: String, timeout: Double = 25) throws(BusError) -> UInt64 {
        try call(TrainBell1.reportWarning, id, message, timeout: timeout).value
    }

    /// `CompleteJob`; returns the completion record (0 when 100 % was notified already).
    @discardableResult
    public func completeJob(_ id: String, message: String = "", timeout: Double = 25) throws(BusError) -> UInt64 {
        try call(TrainBell1.completeJob, id, message, timeout: timeout).value
    }

    /// `CancelJob`.
    public func cancelJob(_ id: String, timeout: Double = 25) throws(BusError) {
        try call(TrainBell1.cancelJob, id, timeout: timeout)
    }

    /// `ReportMetrics`, waiting for the daemon to have taken it (`noReply` for the hot path).
    public func reportMetrics(_ id: String, step: UInt64, _ metrics: [String: Double], noReply: Bool = false,
                              timeout: Double = 25) throws(BusError) {
        if noReply {
            try callNoReply(TrainBell1.reportMetrics, id, step, metrics)
        } else {
            try call(TrainBell1.reportMetrics, id, step, metrics, timeout: timeout)
        }
    }

    /// `GetMetrics`: the metrics of job `id`, oldest first.
    public func metrics(of id: String, timeout: Double = 25) throws(BusError) -> [MetricsRow] {
        try call(TrainBell1.getMetrics, id, timeout: timeout).value
    }

    /// `GetDoNotDisturb`.
    public func doNotDisturb(timeout: Double = 25) throws(BusError) -> DoNotDisturbReply {
        try call(TrainBell1.getDoNotDisturb, timeout: timeout)
    }

    /// `GetNotifications`: the history of job `id`, "" for all jobs.
    public func notifications(of id: String = "", timeout: Double = 25) throws(BusError) -> [VarDict] {
        try call(TrainBell1.getNotifications, id, timeout: timeout).value
    }
}
