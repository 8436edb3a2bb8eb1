import Glibc
import TrainBellCore

/// Publishes the events of schema v1 (README "Schema v1") for this host: start, metrics, errors,
/// warnings, completion and cancellation with QoS 1 on `B/events`; progress retained with QoS 0 on
/// `B/progress/<host>/<job>` (only the latest matters, and it never takes a place in the queue the
/// broker keeps for an offline trainbelld); at completion and cancellation the retained progress is
/// cleared (an empty retained message).
final class BrokerPublisher {
    let target: BrokerTarget
    let client: BrokerClient
    private var ids: EventIDs

    /// The longest message text published (the desktop refuses payloads over 256 KiB).
    static let maximumText = 64 << 10

    /// Connects to `target`'s broker (at most ``BrokerClient/connectTimeout``).
    init(target: BrokerTarget) throws(BrokerFailure) {
        self.target = target
        ids = EventIDs(host: target.host)
        client = try BrokerClient(target: target)
        try client.connect()
    }

    /// The event `kind` of `job`, now, with a new id.
    func event(_ job: String, _ kind: RemoteEvent.Kind) -> RemoteEvent {
        RemoteEvent(id: ids.next(), host: target.host, job: job, time: Self.now(), kind: Self.limited(kind))
    }

    /// Queues `event` on its topic (``BrokerClient/waitAcknowledged(timeout:)`` then awaits it).
    func publish(_ event: RemoteEvent) throws(BrokerFailure) {
        let base = target.url.base
        switch event.kind {
        case .progress:
            try client.publish(topic: MQTTTopic.progress(base, host: event.host, job: event.job), payload: Array(event.json.utf8),
                               qos: 0, retain: true)
        case .complete, .cancel:
            try client.publish(topic: MQTTTopic.events(base), payload: Array(event.json.utf8), qos: 1, retain: false)
            // The job is over: no retained progress is left for it (QoS 1, so that it is known to be done).
            try client.publish(topic: MQTTTopic.progress(base, host: event.host, job: event.job), payload: [], qos: 1, retain: true)
        default:
            try client.publish(topic: MQTTTopic.events(base), payload: Array(event.json.utf8), qos: 1, retain: false)
        }
    }

    /// Waits for the broker's acknowledgements, then disconnects.
    func finish() throws(BrokerFailure) {
        defer { client.disconnect() }
        try client.waitAcknowledged()
    }

    /// One event of a command (`trainbell start`, `error`…): connect, publish, await, disconnect.
    static func send(_ kind: RemoteEvent.Kind, job: String, to target: BrokerTarget) throws(BrokerFailure) {
        let publisher = try BrokerPublisher(target: target)
        try publisher.publish(publisher.event(job, kind))
        try publisher.finish()
    }

    /// The publisher's clock, unix seconds.
    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// Messages cut to ``maximumText`` bytes (at a character's end).
    static func limited(_ kind: RemoteEvent.Kind) -> RemoteEvent.Kind {
        func cut(_ text: String) -> String {
            guard text.utf8.count > maximumText else { return text }
            var out = ""
            var bytes = 0
            for character in text {
                bytes += character.utf8.count
                if bytes > maximumText - 3 { break }
                out.append(character)
            }
            return out + "…"
        }
        switch kind {
        case .start(let title, let total): return .start(title: cut(title), total: total)
        case .error(let message, let type, let urgency): return .error(message: cut(message), type: type, urgency: urgency)
        case .warning(let message): return .warning(message: cut(message))
        case .complete(let message): return .complete(message: message.map(cut))
        default: return kind
        }
    }
}

/// Event ids unique per publisher: the host, the process id, 64 random bits of this process and a
/// sequence number (`gpu-07-4711-9f3c…-1`), so that neither a reused pid nor two hosts collide.
struct EventIDs {
    private let prefix: String
    private var sequence = 0

    init(host: String) {
        prefix = "\(host)-\(getpid())-" + String(UInt64.random(in: .min ... .max), radix: 16)
    }

    mutating func next() -> String {
        sequence += 1
        return prefix + "-\(sequence)"
    }
}
