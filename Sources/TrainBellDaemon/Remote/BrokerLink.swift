import CMosquitto
import DBus
import Glibc
import Logging
import TrainBellCore

/// trainbelld's link to an MQTT broker (`[remote] broker`): a persistent session (clean session off,
/// a stable client id) subscribed to `B/events` with QoS 1 and `B/progress/+/+`, so what remote
/// trainings publish while the desktop is away waits at the broker. libmosquitto runs on the main
/// loop: its socket is watched for reading (and for writing while it has something to send), and
/// `mosquitto_loop_misc` runs on a timer only while connected, at half the keep-alive interval (the
/// only idle wake-ups). A lost connection is tried again with backoff (1 s doubling to 60 s).
///
/// Each message is checked (``RemoteEvent``), deduplicated by host and event id, and handed on
/// (`onEvent`); the broker's backlog after a resumed session is marked `away` and summarized once
/// (`onAwayDigest`). Refusals are logged (rate-limited) and counted. Clicks on remote jobs go back
/// as ``RemoteAction`` messages.
final class BrokerLink {
    enum State: String {
        /// No broker configured.
        case off
        case connecting
        case connected
        /// Lost or refused; trying again after a pause.
        case waiting
    }

    private let loop: any EventLoop
    private let log: Logger
    private(set) var state: State = .off
    private(set) var url: BrokerURL?
    /// The last reason for not being connected.
    private(set) var lastError = ""
    var settings = BrokerSettings()

    /// Told when `state` (or the refusal count) changes: the daemon announces `RemoteState`.
    var onState: (() -> Void)?
    /// A checked, new event; `away` when it is part of the broker's backlog.
    var onEvent: ((RemoteEvent, _ away: Bool) -> Void)?
    /// The backlog is over: its digest.
    var onAwayDigest: ((AwayDigest) -> Void)?

    private var handle: MosquittoHandle?
    private var readWatch: EventSource?
    private var writeWatch: EventSource?
    private var miscTimer: EventSource?
    private var retryTimer: EventSource?
    private var catchUpTimer: EventSource?
    private var backoff: UInt32 = 1
    private var deduplicator = EventDeduplicator()
    /// A sink's messages the broker has not acknowledged yet (QoS 1), by message id: each told
    /// nil at its PUBACK, else why not (the connection went first).
    private var unacknowledged: [Int32: (String?) -> Void] = [:]
    private var refusals = RefusalLog()
    private var window = CatchUpWindow()
    private var digest = AwayDigest()

    /// Messages refused so far (all reasons).
    var refusedCount: UInt64 { refusals.total }

    init(loop: any EventLoop, log: Logger) {
        self.loop = loop
        self.log = log
    }

    /// What `trainbell status` shows: "connected to mqtts://…", "waiting: …".
    var summary: String {
        guard let url else { return state == .off && !lastError.isEmpty ? "off: " + lastError : "off" }
        switch state {
        case .off: return "off"
        case .connecting: return "connecting to \(url)"
        case .connected: return "connected to \(url)"
        case .waiting: return "waiting to reconnect to \(url): \(lastError)"
        }
    }

    // MARK: Starting and stopping

    /// Connects to the configured broker, if any (again after a reload that changed it).
    func start(_ settings: BrokerSettings) {
        if settings == self.settings && handle != nil { return }
        stop()
        self.settings = settings
        lastError = ""
        guard let text = settings.broker, !text.isEmpty else {
            setState(.off)
            return
        }
        do {
            url = try BrokerURL(parsing: text, insecure: settings.insecure)
        } catch {
            lastError = "[remote] broker: \(error)"
            log.error("\(lastError)")
            setState(.off)
            return
        }
        guard let url else { return }
        let clientID = settings.clientID ?? Self.defaultClientID()
        guard let handle = MosquittoHandle(clientID: clientID, context: Unmanaged.passUnretained(self).toOpaque()) else {
            lastError = MosquittoHandle.unavailable ?? "libmosquitto cannot make a client"
            log.error("broker: \(lastError)")
            setState(.off)
            return
        }
        self.handle = handle
        let m = handle.pointer
        mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, Int32(MQTT_PROTOCOL_V311))
        if let user = url.user {
            let password: String?
            switch Self.password(settings) {
            case .success(let found): password = found
            case .failure(let error):
                let reason = error.description
                lastError = reason
                log.error("broker: \(reason)")
                password = nil
            }
            mosquitto_username_pw_set(m, user, password)
        }
        if url.tls {
            var capath: String? = nil
            if settings.caFile == nil { capath = "/etc/ssl/certs" }
            let rc = mosquitto_tls_set(m, settings.caFile, capath, nil, nil, nil)
            if rc != MOSQ_ERR_SUCCESS.rawValue {
                lastError = "TLS: \(MosquittoHandle.describe(rc))"
                log.error("broker: \(lastError)")
                self.handle = nil
                setState(.off)
                return
            }
        }
        mosquitto_connect_with_flags_callback_set(m) { _, context, rc, flags in
            guard let context else { return }
            Unmanaged<BrokerLink>.fromOpaque(context).takeUnretainedValue().connected(rc: rc, sessionPresent: flags & 1 != 0)
        }
        mosquitto_disconnect_callback_set(m) { _, context, rc in
            guard let context else { return }
            Unmanaged<BrokerLink>.fromOpaque(context).takeUnretainedValue().lost(reason: rc == 0 ? "disconnected" : MosquittoHandle.describe(rc))
        }
        mosquitto_publish_callback_set(m) { _, context, mid in
            guard let context else { return }
            Unmanaged<BrokerLink>.fromOpaque(context).takeUnretainedValue().acknowledged(mid)
        }
        mosquitto_message_callback_set(m) { _, context, message in
            guard let context, let message else { return }
            Unmanaged<BrokerLink>.fromOpaque(context).takeUnretainedValue().received(message.pointee)
        }
        log.info("broker: connecting to \(url) as client \(clientID)")
        connect(first: true)
    }

    /// Disconnects (at shutdown or before a new broker).
    func stop() {
        finishCatchUp(force: true)
        // The disconnect callback that follows is ours, not a loss to recover from.
        let stopping = handle
        handle = nil
        if let stopping {
            mosquitto_disconnect(stopping.pointer)
            for _ in 0..<10 where mosquitto_want_write(stopping.pointer) {
                if mosquitto_loop_write(stopping.pointer, 1) != MOSQ_ERR_SUCCESS.rawValue { break }
            }
        }
        for source in [readWatch, writeWatch, miscTimer, retryTimer, catchUpTimer] { source?.cancel() }
        (readWatch, writeWatch, miscTimer, retryTimer, catchUpTimer) = (nil, nil, nil, nil, nil)
        handle = nil
        url = nil
        failUnacknowledged("the link to the broker was closed before the broker acknowledged it")
        setState(.off)
    }

    private func connect(first: Bool) {
        guard let handle, let url else { return }
        setState(.connecting)
        let rc = first
            ? mosquitto_connect_async(handle.pointer, url.host, Int32(url.port), Int32(settings.keepAlive))
            : mosquitto_reconnect_async(handle.pointer)
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            lost(reason: rc == MOSQ_ERR_ERRNO.rawValue ? String(cString: strerror(errno)) : MosquittoHandle.describe(rc))
            return
        }
        watchSocket()
    }

    private func watchSocket() {
        readWatch?.cancel()
        readWatch = nil
        guard let handle else { return }
        let fd = mosquitto_socket(handle.pointer)
        guard fd >= 0 else { return }
        readWatch = loop.watch(fd: fd, for: .readable) { [weak self] events in
            guard let self, let handle = self.handle else { return }
            let rc = mosquitto_loop_read(handle.pointer, 1)
            if rc != MOSQ_ERR_SUCCESS.rawValue {
                self.lost(reason: rc == MOSQ_ERR_ERRNO.rawValue ? String(cString: strerror(errno)) : MosquittoHandle.describe(rc))
                return
            }
            if events.contains(.hangup) || events.contains(.error) {
                self.lost(reason: "the connection was closed")
                return
            }
            self.updateWriteWatch()
        }
        updateWriteWatch()
    }

    /// Watches for writing only while libmosquitto has bytes to send.
    private func updateWriteWatch() {
        guard let handle else { return }
        let fd = mosquitto_socket(handle.pointer)
        let wants = fd >= 0 && mosquitto_want_write(handle.pointer)
        if wants && writeWatch == nil {
            writeWatch = loop.watch(fd: fd, for: .writable) { [weak self] _ in
                guard let self, let handle = self.handle else { return }
                let rc = mosquitto_loop_write(handle.pointer, 1)
                if rc != MOSQ_ERR_SUCCESS.rawValue {
                    self.lost(reason: MosquittoHandle.describe(rc))
                    return
                }
                self.updateWriteWatch()
            }
        } else if !wants, let watch = writeWatch {
            watch.cancel()
            writeWatch = nil
        }
    }

    // MARK: libmosquitto's callbacks (on the main loop, inside loop_read/write/misc)

    private func connected(rc: Int32, sessionPresent: Bool) {
        guard rc == 0, let handle, let url else {
            lost(reason: "the broker refused the connection: \(String(cString: mosquitto_connack_string(rc)))")
            return
        }
        backoff = 1
        lastError = ""
        log.info("broker: connected to \(url)\(sessionPresent ? " (session resumed)" : " (new session)")")
        window.connected(sessionPresent: sessionPresent, now: Clock.monotonic())
        digest = AwayDigest()
        scheduleCatchUpEnd()
        // Again at every connection: the broker then sends the retained progress of each job.
        mosquitto_subscribe(handle.pointer, nil, MQTTTopic.events(url.base), 1)
        mosquitto_subscribe(handle.pointer, nil, MQTTTopic.progressFilter(url.base), 0)
        miscTimer?.cancel()
        let period = UInt32(max(1, settings.keepAlive / 2))
        miscTimer = loop.addTimeout(seconds: period) { [weak self] in
            guard let self, let handle = self.handle else { return false }
            let rc = mosquitto_loop_misc(handle.pointer)
            if rc != MOSQ_ERR_SUCCESS.rawValue {
                self.lost(reason: MosquittoHandle.describe(rc))
                return false
            }
            self.updateWriteWatch()
            return true
        }
        setState(.connected)
        updateWriteWatch()
    }

    /// The connection is gone (or never came): try again after the backoff.
    private func lost(reason: String) {
        guard handle != nil, retryTimer == nil else { return }
        finishCatchUp(force: true)
        for source in [readWatch, writeWatch, miscTimer] { source?.cancel() }
        (readWatch, writeWatch, miscTimer) = (nil, nil, nil)
        lastError = reason
        failUnacknowledged("the connection to the broker was lost before the broker acknowledged it (\(reason))")
        let delay = backoff
        backoff = min(backoff * 2, 60)
        log.warning("broker: \(reason); trying again in \(delay) s")
        setState(.waiting)
        retryTimer = loop.addTimeout(seconds: delay) { [weak self] in
            self?.retryTimer = nil
            self?.connect(first: false)
            return false
        }
    }

    private func received(_ message: mosquitto_message) {
        guard let url, let topicPointer = message.topic else { return }
        let topic = String(cString: topicPointer)
        let count = Int(max(0, message.payloadlen))
        let now = Clock.monotonic()
        func refuse(_ refusal: RemoteEventRefusal) {
            if let line = refusals.refused(refusal, topic: topic, now: now) { log.warning("broker: \(line)") }
        }
        guard count <= RemoteEvent.maximumPayload else {
            refuse(RemoteEventRefusal(.tooLarge, "a payload of \(count) bytes (at most \(RemoteEvent.maximumPayload))"))
            return
        }
        let payload: [UInt8] = count == 0 || message.payload == nil ? []
            : Array(UnsafeRawBufferPointer(start: message.payload, count: count))
        let event: RemoteEvent
        do throws(RemoteEventRefusal) {
            switch MQTTTopic.kind(of: topic, base: url.base) {
            case .events?:
                event = try RemoteEvent.decode(payload)
            case .progress(let host, let job)?:
                guard let progress = try RemoteEvent.decodeProgress(payload, host: host, job: job) else { return }
                event = progress
            default:
                throw RemoteEventRefusal(.wrongTopic, "not a topic of trainbell's schema")
            }
        } catch {
            refuse(error)
            return
        }
        guard deduplicator.isNew(event.id, host: event.host) else {
            refuse(RemoteEventRefusal(.duplicate, "event \(event.id.prefix(80)) of \(event.host) was taken already"))
            return
        }
        let away = window.arrives(now: now)
        if !away { finishCatchUp(force: true) }
        if away {
            digest.add(event)
            scheduleCatchUpEnd()
        }
        onEvent?(event, away)
    }

    // MARK: The backlog's digest

    private func scheduleCatchUpEnd() {
        catchUpTimer?.cancel()
        catchUpTimer = nil
        guard let closes = window.closesAt else { return }
        let milliseconds = UInt32(clamping: max(1, (closes - Clock.monotonic()) / 1000 + 1))
        catchUpTimer = loop.addTimeout(milliseconds: milliseconds) { [weak self] in
            self?.catchUpTimer = nil
            self?.finishCatchUp(force: false)
            return false
        }
    }

    private func finishCatchUp(force: Bool) {
        let closed = window.close(now: Clock.monotonic(), force: force)
        if !closed && window.isOpen {
            scheduleCatchUpEnd()
            return
        }
        catchUpTimer?.cancel()
        catchUpTimer = nil
        guard !digest.isEmpty else { return }
        let done = digest
        digest = AwayDigest()
        onAwayDigest?(done)
    }

    // MARK: Actions back to the publisher

    /// Publishes a click on a remote job (QoS 1; libmosquitto keeps it while the link is down).
    func publish(_ action: RemoteAction) {
        guard let handle, let url else {
            log.info("action \(action.action) on \(action.host)/\(action.job): no broker to send it to")
            return
        }
        let payload = Array(action.json.utf8)
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish(handle.pointer, nil, action.topic(base: url.base), Int32(bytes.count), bytes.baseAddress, 1, false)
        }
        if rc != MOSQ_ERR_SUCCESS.rawValue {
            log.warning("broker: cannot publish the action \(action.action) of \(action.host)/\(action.job): \(MosquittoHandle.describe(rc))")
        }
        updateWriteWatch()
    }

    /// Publishes `payload` on `topic` (QoS 1, not retained) for a `type=mqtt` sink; `done` gets nil
    /// once the broker acknowledged it (PUBACK), else why not.
    func publish(topic: String, payload: String, done: @escaping (String?) -> Void) {
        guard let handle, state == .connected else { return done("not connected to a broker ([remote] broker): \(summary)") }
        let bytes = Array(payload.utf8)
        var mid: Int32 = 0
        let rc = bytes.withUnsafeBytes { mosquitto_publish(handle.pointer, &mid, topic, Int32($0.count), $0.baseAddress, 1, false) }
        guard rc == MOSQ_ERR_SUCCESS.rawValue else { return done(MosquittoHandle.describe(rc)) }
        unacknowledged[mid] = done
        updateWriteWatch()
    }

    private func acknowledged(_ mid: Int32) {
        unacknowledged.removeValue(forKey: mid)?(nil)
    }

    private func failUnacknowledged(_ why: String) {
        let waiting = unacknowledged
        unacknowledged = [:]
        for done in waiting.values { done(why) }
    }

    // MARK: Helpers

    private func setState(_ new: State) {
        guard new != state else { return }
        state = new
        onState?()
    }

    /// trainbelld-USER-HOST: stable across restarts, so the broker finds the session again.
    static func defaultClientID() -> String {
        let user = getpwuid(getuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? "\(getuid())"
        var buffer = [CChar](repeating: 0, count: 256)
        let name = gethostname(&buffer, 255) == 0 ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        let host = name.split(separator: ".").first.map(String.init) ?? ""
        return String("trainbelld-\(user)-\(host)".prefix(64))
    }

    struct PasswordError: Error, CustomStringConvertible {
        let description: String
    }

    /// The password: `password-file`'s first line, else the systemd credential, else none.
    static func password(_ settings: BrokerSettings) -> Result<String?, PasswordError> {
        var path = settings.passwordFile
        if path == nil, let directory = getenv("CREDENTIALS_DIRECTORY").map({ String(cString: $0) }) {
            let credential = directory + "/trainbell-mqtt-password"
            if access(credential, R_OK) == 0 { path = credential }
        }
        guard let path else { return .success(nil) }
        guard let file = fopen(path, "r") else {
            return .failure(PasswordError(description: "cannot read the password file \(path): \(String(cString: strerror(errno)))"))
        }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 1024)
        guard fgets(&line, 1024, file) != nil else { return .success("") }
        var text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        return .success(text)
    }
}
