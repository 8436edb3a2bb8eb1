import CLazyLibraries
import DBus
import Glibc
import Logging
import TrainBellCore

/// The sinks (`[sink NAME]`): each decided notification a sink takes (its `events`, and `when =
/// away` only while you are away) is written to the outbox of the history database first, then
/// sent by libcurl (ntfy, webhooks, mail), a command or the broker; sent items are marked, failed
/// ones tried again with backoff (5 s doubling to 15 min, jittered) across restarts, for 7 days; a
/// 4xx other than 408/425/429 fails at once. Identical events still waiting collapse
/// into one (its repeats counted), and each sink sends at most `rate-limit` a minute. Nothing here
/// waits on the network: the desktop's notifications never do. A timer runs only while items wait.
final class SinkDispatcher {
    /// Whether you are away now (the presence component).
    var isAway: () -> Bool = { false }
    /// Where a job runs ("" here).
    var hostOf: (String) -> String = { _ in "" }
    /// Publishes on the broker of `[remote]`; the callback gets nil once the broker acknowledged it, else why not.
    var publish: (String, String, @escaping (String?) -> Void) -> Void = { _, _, done in done("no broker is configured ([remote] broker)") }
    /// Shows the summary of what went out while you were away.
    var onSummary: ((NotificationEvent) -> Void)?
    /// The status changed (the `SinkStatus` property).
    var onChange: (() -> Void)?

    /// How long an event is tried before it is failed for good: the outbox's retention. An outage
    /// of days loses nothing (the backoff stays at 15 minutes).
    static let maximumAge: Int64 = 7 * 86_400_000_000
    /// Transfers a sink has going at once: an outbox full after an outage drains at the server's
    /// pace, not as a thousand connections at the same time.
    static let maximumInFlight = 4

    private let history: HistoryStore
    private let loop: EventLoop
    private let log: Logger
    private let curl: CurlTransfers
    private let commands: SinkCommandRunner
    private var sinks: [SinkSettings] = []
    private var limits: [String: SinkRateLimit] = [:]
    /// The outbox items being sent, and their sink's name.
    private var inFlight: [Int64: String] = [:]
    /// A pump asked for while one runs (a send that answered at once): it runs again after.
    private var pumping = false
    private var pumpAgain = false
    /// Items whose outcome the history could not write, and when they may go again.
    private var unwritable: [Int64: Int64] = [:]
    private var timer: EventSource?
    private var timerDue: Int64 = .max
    private var lastRecord: UInt64 = 0
    private var stallJobs: Set<String> = []
    private var awaySince: Int64?
    private var summarizing = false
    private var warnedSecrets: Set<String> = []

    init(history: HistoryStore, loop: EventLoop, log: Logger, version: String) {
        self.history = history
        self.loop = loop
        self.log = log
        curl = CurlTransfers(loop: loop, userAgent: "trainbell/\(version)")
        commands = SinkCommandRunner(loop: loop)
    }

    /// The sinks of the configuration (at start and at each reload); then sends what waits.
    func configure(_ settings: [SinkSettings]) {
        sinks = settings
        limits = limits.filter { name, _ in settings.contains { $0.name == name } }
        for sink in settings where limits[sink.name] == nil || limits[sink.name]?.perMinute != sink.ratePerMinute {
            limits[sink.name] = SinkRateLimit(perMinute: sink.ratePerMinute)
        }
        for sink in settings { checkSecretFile(of: sink) }
        pump()
    }

    /// The next warning of `jobID` is a stall warning (`events = stall`).
    func stallComing(_ jobID: String) { stallJobs.insert(jobID) }

    /// A decided record (``Notifier/onRecord``): kept for each sink that takes it. A record is
    /// announced again when its delivery changes; it is taken once.
    func take(_ record: NotificationRecord) {
        // Noted first, whatever becomes of it: a record seen (the summary, one from before a sink
        // was configured) is not taken when it is announced again.
        let fresh = record.id == 0 || record.id > lastRecord
        if record.id > lastRecord { lastRecord = record.id }
        guard !sinks.isEmpty || !stallJobs.isEmpty else { return }
        let stall = record.event.type == .warning && stallJobs.remove(record.jobID) != nil
        guard fresh, !summarizing, record.delivery != .awayDigest, !sinks.isEmpty else { return }
        let kind: SinkEvent.Kind = switch record.event.type {
        case .error: .error
        case .completion: .completion
        case .warning: stall ? .stall : .warning
        case .progress: .progress
        case .digest: .digest
        case .custom: .custom
        }
        let away = isAway()
        let host = record.jobID.isEmpty ? "" : hostOf(record.jobID)
        let event = SinkEvent(kind: kind, title: record.event.title, message: record.event.message, job: record.jobID, host: host,
                              urgency: record.event.urgency.rawValue, errorType: record.event.errorType ?? "",
                              time: Double(record.timestamp) / 1_000_000, record: record.id)
        let now = Clock.now()
        var kept = false
        for sink in sinks where sink.events.contains(kind) && (sink.when == .always || away) {
            do {
                try history.addToOutbox(sink: sink.name, event: event.json, away: away, now: now)
                kept = true
            } catch {
                log.error("sink \(sink.name): the event could not be kept, so it is not sent: \(error)")
            }
        }
        guard kept else { return }
        pump()
        onChange?()
    }

    /// Presence changed: coming back shows one summary of what went out meanwhile.
    func presenceChanged(away: Bool) {
        if away {
            awaySince = awaySince ?? Clock.now()
            return
        }
        guard let since = awaySince else { return }
        awaySince = nil
        guard let sent = try? history.sentWhileAway(since: since), !sent.isEmpty else { return }
        var bySink: [String: [SinkEvent]] = [:]
        var order: [String] = []
        for (sink, json) in sent {
            guard let event = SinkEvent(json: json) else { continue }
            if bySink[sink] == nil { order.append(sink) }
            bySink[sink, default: []].append(event)
        }
        let count = sent.count
        var lines = ["\(count) \(count == 1 ? "event" : "events") went to \(order.joined(separator: ", ")) while you were away:"]
        let events = order.flatMap { bySink[$0] ?? [] }
        for event in events.prefix(5) { lines.append("\(event.title): \(event.messageWithHost)") }
        if events.count > 5 { lines.append("and \(events.count - 5) more") }
        summarizing = true
        onSummary?(NotificationEvent(type: .digest, title: "While you were away", message: lines.joined(separator: "\n")))
        summarizing = false
    }

    /// A line per sink for `trainbell status`, and the `SinkStatus` property.
    var status: [String] {
        let counts = (try? history.outboxCounts()) ?? [:]
        let lines = sinks.map { sink in
            let c = counts[sink.name] ?? HistoryStore.OutboxCounts()
            var line = "\(sink.name) (\(sink.target.typeName), \(sink.when == .away ? "when away" : "always")): \(c.sent) sent"
            if c.pending > 0 { line += ", \(c.pending) waiting" }
            if c.failed > 0 { line += ", \(c.failed) failed" }
            if !c.lastAnswer.isEmpty { line += "; last answer: \(Self.printable(c.lastAnswer))" }
            return line
        }
        let orphans = counts.filter { name, c in c.pending > 0 && !sinks.contains { $0.name == name } }.sorted { $0.key < $1.key }
        guard !orphans.isEmpty else { return lines }
        let waiting = orphans.map(\.value.pending).reduce(0, +)
        return lines + ["\(waiting) waiting for sinks no longer configured: \(orphans.map(\.key).joined(separator: ", ")) (they go out if a [sink] of that name comes back)"]
    }

    /// A sink's answer for a line of `trainbell status`: control characters (a server's escape
    /// sequences) as spaces.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || (0x7f...0x9f).contains($0.value) ? " " : $0 }))
    }

    /// Sends a test event to sink `name` now (not through the outbox); `done` gets what it answered.
    func test(_ name: String, done: @escaping (Result<String, TrainBellError>) -> Void) {
        guard let sink = sinks.first(where: { $0.name == name }) else {
            let known = sinks.map(\.name)
            return done(.failure(.invalidArgument("no sink is named \(name); configured: \(known.isEmpty ? "none" : known.joined(separator: ", "))")))
        }
        let now = Double(Clock.now()) / 1_000_000
        if let wait = limits[name]?.wait(at: now), wait > 0 {
            return done(.failure(.failed("sink \(name) sent its rate-limit of \(sink.ratePerMinute) in the last minute; try again in \(Int(wait.rounded(.up))) s")))
        }
        limits[name]?.note(at: now)
        let event = SinkEvent(kind: .custom, title: "trainbell test", message: "A test message from trainbell to sink \(name).",
                              time: Double(Clock.now()) / 1_000_000)
        send(event, to: sink, id: UInt64(Clock.now())) { [weak self] outcome in
            switch outcome {
            case .delivered(let said):
                if let self, (try? self.history.outboxDueNow(sink: name, now: Clock.now())) ?? 0 > 0 { self.pump() }
                done(.success(said))
            case .retry(let said, _), .permanent(let said): done(.failure(.failed("sink \(name) did not take it: \(said)")))
            }
        }
    }

    // MARK: Sending

    /// Sends what is due; arms the timer for what waits.
    private func pump() {
        guard !pumping else {
            pumpAgain = true
            return
        }
        pumping = true
        defer { pumping = false }
        repeat {
            pumpAgain = false
            pumpOnce()
        } while pumpAgain
    }

    private func pumpOnce() {
        let now = Clock.now()
        guard !sinks.isEmpty, let pending = try? history.pendingOutbox(dueBy: now, limit: 2_000) else { return }
        var next = (try? history.nextOutboxAttempt(after: now)) ?? nil ?? Int64.max
        var busy: [String: Int] = [:]
        for sink in inFlight.values { busy[sink, default: 0] += 1 }
        for (_, until) in unwritable where until > now && until != .max { next = min(next, until) }
        for item in pending where inFlight[item.id] == nil && (unwritable[item.id] ?? 0) <= now {
            guard let sink = sinks.first(where: { $0.name == item.sink }) else { continue }  // a sink no longer configured: kept
            if busy[sink.name, default: 0] >= Self.maximumInFlight { continue }  // pumped again when one ends
            if item.nextAttempt > now {
                next = min(next, item.nextAttempt)
                continue
            }
            let wait = limits[sink.name]?.wait(at: Double(now) / 1_000_000) ?? 0
            if wait > 0 {
                next = min(next, now + Int64(wait * 1_000_000))
                continue
            }
            limits[sink.name]?.note(at: Double(now) / 1_000_000)
            guard var event = SinkEvent(json: item.event) else {
                if (try? history.finishOutbox(item.id, failed: true, answer: "unreadable event")) == nil { unwritable[item.id] = .max }
                continue
            }
            if item.repeats > 1 { event.message += " (×\(item.repeats))" }
            var sending = item
            sending.nextAttempt = now
            inFlight[item.id] = sink.name
            busy[sink.name, default: 0] += 1
            send(event, to: sink, id: UInt64(item.id)) { [weak self] outcome in self?.finished(sending, of: sink, outcome) }
        }
        arm(next)
    }

    private func arm(_ due: Int64) {
        guard due != .max else {
            timer?.cancel()
            timer = nil
            timerDue = .max
            return
        }
        guard timer == nil || due < timerDue else { return }
        timer?.cancel()
        timerDue = due
        let milliseconds = max(1, (due - Clock.now()) / 1_000 + 1)
        timer = loop.addTimeout(milliseconds: UInt32(clamping: milliseconds)) { [weak self] in
            self?.timer = nil
            self?.timerDue = .max
            self?.pump()
            return false
        }
    }

    private func finished(_ item: HistoryStore.OutboxItem, of sink: SinkSettings, _ outcome: SinkOutcome) {
        inFlight[item.id] = nil
        let now = Clock.now()
        /// A mark the history could not write (a full disk): kept here, so the item is not sent
        /// again at every pump; `until` is when it may be tried again (.max: never in this run).
        func mark(_ write: () throws(HistoryError) -> Void, until: Int64) {
            do {
                try write()
                unwritable[item.id] = nil
            } catch {
                unwritable[item.id] = until
                log.error("sink \(sink.name): the outcome of an event could not be written to the history (\(error)); this run will not send it again")
            }
        }
        switch outcome {
        case .delivered(let said):
            mark({ () throws(HistoryError) in
                try history.finishOutbox(item.id, failed: false, answer: said, sentRepeats: item.repeats, now: now)
            }, until: .max)
            log.info("sink \(sink.name): sent (\(said))")
            // It takes messages again: what waits for its backoff goes now, at the in-flight pace.
            if item.attempts > 0, let count = try? history.outboxDueNow(sink: sink.name, now: now), count > 0 {
                log.info("sink \(sink.name): answers again; sending the \(count) events that waited")
            }
        case .permanent(let said):
            mark({ () throws(HistoryError) in try history.finishOutbox(item.id, failed: true, answer: said) }, until: .max)
            log.error("sink \(sink.name): refused an event for good (\(said)); it is kept as failed")
        case .retry(let said, let after):
            let attempts = item.attempts + 1
            if item.created > 0 && now - item.created >= Self.maximumAge {
                mark({ () throws(HistoryError) in
                    try history.finishOutbox(item.id, failed: true, answer: "gave up after \(attempts) attempts in 7 days: \(said)")
                }, until: .max)
                log.error("sink \(sink.name): gave up on an event after \(attempts) attempts in 7 days (\(said))")
            } else {
                // Retry-After: 0 is taken as 1 s, so a server saying it cannot make the daemon spin.
                let delay = after.map { max(1, $0) } ?? SinkBackoff().delay(afterFailures: attempts, random: Double.random(in: 0..<1))
                let next = now + Int64(delay * 1_000_000)
                mark({ () throws(HistoryError) in try history.retryOutbox(item.id, next: next, answer: said) }, until: next)
                log.warning("sink \(sink.name): not sent (\(said)); trying again in \(Int(delay.rounded())) s")
            }
        }
        onChange?()
        pump()
    }

    private func send(_ event: SinkEvent, to sink: SinkSettings, id: UInt64, done: @escaping (SinkOutcome) -> Void) {
        let secret: String?
        switch readSecret(of: sink) {
        case .success(let value): secret = value
        case .failure(let why): return done(.retry(why.text, after: nil))
        }
        let request = sink.target.request(for: event, token: secret, id: id, date: Self.mailDate(), hostName: Self.hostName())
        switch request {
        case .http, .mail:
            var user: String? = nil
            var password: String? = nil
            if case .email(_, _, _, let login) = sink.target { user = login; password = login == nil ? nil : secret }
            curl.start(request, password: password, user: user, timeout: sink.timeout) { answer in
                if answer.code != CURLE_OK {
                    let permanent = answer.code == CURLE_LOGIN_DENIED || answer.code == CURLE_URL_MALFORMAT || answer.code == CURLE_UNSUPPORTED_PROTOCOL
                    let said = "curl: \(answer.error)"
                    return done(permanent ? .permanent(said) : .retry(said, after: nil))
                }
                if case .mail = request { return done(.delivered("SMTP \(answer.status)")) }
                done(.http(status: answer.status, retryAfter: answer.retryAfter, body: answer.body))
            }
        case .publish(let topic, let payload):
            publish(topic, payload) { why in
                if let why { done(.retry(why, after: nil)) } else { done(.delivered("acknowledged by the broker on \(topic)")) }
            }
        case .run(let arguments, let input, let environment):
            commands.run(arguments, input: input, environment: environment, timeout: sink.timeout) { status, output in
                let excerpt = output.prefix(200).withoutLineEnds
                switch status {
                case 0?: done(.delivered("exit status 0" + (excerpt.isEmpty ? "" : ": " + excerpt)))
                case let code?: done(.retry("exit status \(code)" + (excerpt.isEmpty ? "" : ": " + excerpt), after: nil))
                case nil: done(.retry(excerpt.isEmpty ? "the command did not end" : excerpt, after: nil))
                }
            }
        }
    }

    // MARK: Secrets

    /// The sink's secret: the first line of its file, or its systemd credential; nil when it has none.
    private func readSecret(of sink: SinkSettings) -> Result<String?, SecretError> {
        var path: String
        if let file = sink.secretFile {
            path = file
            if path.hasPrefix("~/") { path = (getenv("HOME").map { String(cString: $0) } ?? "") + path.dropFirst(1) }
        } else if let credential = sink.credential {
            guard let directory = getenv("CREDENTIALS_DIRECTORY").map({ String(cString: $0) }) else {
                return .failure(SecretError("the credential \(credential) is named but trainbelld has no $CREDENTIALS_DIRECTORY "
                                            + "(LoadCredential=\(credential):… in a drop-in for trainbelld.service)"))
            }
            path = directory + "/" + credential
        } else {
            return .success(nil)
        }
        guard let bytes = try? KeyFile.contents(ofFile: path, maximumSize: 65_536) ?? nil else {
            return .failure(SecretError("the secret's file \(path) cannot be read"))
        }
        let line = String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        return .success(line)
    }

    struct SecretError: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }

    private func checkSecretFile(of sink: SinkSettings) {
        guard var path = sink.secretFile, !warnedSecrets.contains(path) else { return }
        if path.hasPrefix("~/") { path = (getenv("HOME").map { String(cString: $0) } ?? "") + path.dropFirst(1) }
        var st = stat()
        if stat(path, &st) != 0 {
            log.warning("sink \(sink.name): its secret's file \(path) does not exist (yet); its events wait for it")
        } else if st.st_mode & 0o004 != 0 {
            log.warning("sink \(sink.name): its secret's file \(path) can be read by every user; chmod 600 it")
        }
        warnedSecrets.insert(path)
    }

    // MARK: Helpers

    static func mailDate() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S +0000", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension SinkDispatcher.SecretError: CustomStringConvertible {
    var description: String { text }
}
