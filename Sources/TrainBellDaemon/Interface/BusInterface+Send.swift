import DBus
import TrainBellCore

extension BusInterface {
    /// `Send`: a caller's own notification (notify-send style) through the same policy and history.
    func send(summary: String, body: String, options: OptionMap, sender: String, reply: PendingReply) {
        do throws(TrainBellError) {
            let (event, request, jobID) = try sendRequest(summary: summary, body: body, options: options)
            notifier.deliverCustom(event, request: request, jobID: jobID, now: Clock.now(), sender: sender) { id in
                reply.succeed([.uint32(id)])
            }
        } catch {
            reply.fail(error.busError)
        }
    }

    func sendRequest(summary: String, body: String, options: OptionMap) throws(TrainBellError)
        -> (NotificationEvent, NotificationRequest, JobID?)
    {
        guard !summary.isEmpty else { throw .invalidArgument("summary must not be empty") }
        var urgency = Urgency.normal
        if let value = options.entries["urgency"] {
            if case .string(let text) = value {
                urgency = try BusArguments.urgency(text, argument: "option 'urgency'") ?? .normal
            } else if let n = value.integerValue, let u = Urgency(wireByte: n) {
                urgency = u
            } else {
                throw .invalidArgument("option 'urgency' must be low, normal, high or critical (s), or the byte 0, 1, 2 (y/u/i)")
            }
        }
        let expire = try options.integer("expire-timeout", in: Int64(Int32.min)...Int64(Int32.max), expected: "i (milliseconds, -1 = server default, 0 = never)") ?? -1
        let actions = try options.strings("actions") ?? []
        guard actions.count % 2 == 0 else {
            throw .invalidArgument("option 'actions' must hold pairs: key, label, key, label… (got \(actions.count) strings)")
        }
        let replaceID = try options.integer("replace-id", in: 0...Int64(UInt32.max), expected: "u") ?? 0
        let jobText = try options.string("job") ?? ""
        let jobID = jobText.isEmpty ? nil : try BusArguments.jobID(jobText, argument: "option 'job'")
        var hints: [(name: String, value: HintValue)] = []
        for (name, value) in (try options.dictionary("hints") ?? [:]).sorted(by: { $0.key < $1.key }) {
            // Passed through as the caller typed it: only the hint's own variant is taken off.
            let inner: DBusValue = if case .variant(let v) = value { v } else { value }
            hints.append((name, HintValue(inner) ?? .passthrough(PassthroughHint(inner))))
        }
        if !hints.contains(where: { $0.name == "urgency" }) { hints.insert(("urgency", .byte(urgency.wireByte)), at: 0) }
        if let category = try options.string("category"), !category.isEmpty {
            hints.removeAll { $0.name == "category" }
            hints.append(("category", .string(category)))
        }
        if let transient = try options.bool("transient") {
            hints.removeAll { $0.name == "transient" }
            hints.append(("transient", .boolean(transient)))
        }
        let pairs = stride(from: 0, to: actions.count, by: 2).map { NotificationAction(key: actions[$0], label: actions[$0 + 1]) }
        let event = NotificationEvent(type: .custom, title: summary, message: body, urgency: urgency,
                                      actions: pairs, respectsDoNotDisturb: urgency != .critical)
        let request = NotificationRequest(
            appName: try options.string("app-name") ?? configuration.appName,
            replacesID: UInt32(replaceID), icon: try options.string("icon") ?? "",
            summary: summary, body: body, actions: actions, hints: hints, expireTimeout: Int32(expire))
        return (event, request, jobID)
    }
}

extension HintValue {
    /// The hint kinds a caller may pass through `Send`.
    init?(_ value: DBusValue) {
        switch value {
        case .byte(let v): self = .byte(v)
        case .boolean(let v): self = .boolean(v)
        case .int32(let v): self = .int32(v)
        case .string(let v): self = .string(v)
        default: return nil
        }
    }
}
