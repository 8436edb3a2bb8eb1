import CLazyLibraries
import CMosquitto
import DBus
import Glibc
import TrainBellCore

/// Why publishing to a broker failed, as the user reads it ("cannot reach the broker mqtts://…: …").
struct BrokerFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// The CLI's failure for it: exit status 69, as for an unreachable trainbelld.
    var failure: Failure { Failure(message: description, code: Service.unavailable) }
}

/// One connection of the CLI to an MQTT broker, on libmosquitto loaded at first use (CLazyLibraries,
/// as trainbelld loads it: `trainbell` links no MQTT library), driven by the caller's thread: `step`
/// polls the client's socket (and a wake-up descriptor of the caller's) and lets libmosquitto read,
/// write and keep alive. A clean session (the publisher needs none kept); QoS 1 messages are
/// remembered until their PUBACK.
final class BrokerClient {
    let target: BrokerTarget
    private let client: OpaquePointer
    private(set) var isConnected = false
    /// Whether this connection was made (its loss is "lost", not "cannot reach").
    private var wasConnected = false
    /// Why the connection was refused or lost; nil while all is well.
    private(set) var problem: String?
    /// QoS 1 messages not acknowledged yet (by message id).
    private(set) var unacknowledged: Set<Int32> = []
    /// A message on a subscribed topic: its topic and payload.
    var onMessage: ((String, [UInt8]) -> Void)?

    /// How long connecting may take before the broker counts as unreachable.
    static let connectTimeout = 10.0
    /// How long the broker may take to acknowledge what was published.
    static let acknowledgeTimeout = 10.0
    /// Seconds between keep-alive pings on an idle connection (`trainbell run`).
    static let keepAlive: Int32 = 60

    init(target: BrokerTarget) throws(BrokerFailure) {
        if let missing = tb_lazy_mosquitto_error() {
            throw BrokerFailure("\(String(cString: missing)) to publish to a broker")
        }
        _ = Self.initialized
        self.target = target
        // A clean session with a client id of the broker's choosing: nothing of a publisher is kept.
        guard let client = mosquitto_new(nil, true, nil) else {
            throw BrokerFailure("libmosquitto cannot make a client: \(String(cString: strerror(errno)))")
        }
        self.client = client
        _ = mosquitto_int_option(client, MOSQ_OPT_PROTOCOL_VERSION, Int32(MQTT_PROTOCOL_V311))
        if let user = target.url.user {
            _ = mosquitto_username_pw_set(client, user, target.password)
        }
        if target.url.tls {
            let rc = mosquitto_tls_set(client, target.caFile, target.caFile == nil ? "/etc/ssl/certs" : nil, nil, nil, nil)
            guard rc == Self.success else {
                mosquitto_destroy(client)
                throw BrokerFailure("cannot set up TLS for the broker \(target.url)\(target.caFile.map { " with the CA file \($0)" } ?? ""): \(Self.describe(rc))")
            }
        }
        registerCallbacks()
    }

    private static let initialized: Bool = {
        mosquitto_lib_init()
        return true
    }()

    private static let success = MOSQ_ERR_SUCCESS.rawValue

    /// libmosquitto's text for an error code (`MOSQ_ERR_ERRNO`: the system's).
    static func describe(_ code: Int32) -> String {
        if code == MOSQ_ERR_ERRNO.rawValue { return String(cString: strerror(errno)) }
        return String(cString: mosquitto_strerror(code))
    }

    deinit {
        mosquitto_destroy(client)
    }

    // MARK: Connecting, publishing, waiting

    /// Connects (`again`: after a loss, with what was not acknowledged sent again), waiting at most
    /// ``connectTimeout`` for the broker's CONNACK.
    func connect(again: Bool = false, timeout: Double = BrokerClient.connectTimeout) throws(BrokerFailure) {
        problem = nil
        tlsError = nil
        isConnected = false
        wasConnected = false
        let rc = again ? mosquitto_reconnect_async(client)
            : mosquitto_connect_async(client, target.url.host, Int32(target.url.port), Self.keepAlive)
        guard rc == Self.success else { throw unreachable(Self.describe(rc)) }
        let deadline = MonotonicClock.seconds + timeout
        while !isConnected {
            let remaining = deadline - MonotonicClock.seconds
            guard remaining > 0 else { throw unreachable("no answer within \(Int(timeout.rounded(.up))) s") }
            _ = try step(milliseconds: Int32(min(remaining, 1) * 1000) + 1)
        }
    }

    /// Queues a message (QoS 1 ones are then awaited by ``waitAcknowledged(timeout:)``).
    func publish(topic: String, payload: [UInt8], qos: Int32, retain: Bool) throws(BrokerFailure) {
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish(client, &mid, topic, Int32(bytes.count), bytes.baseAddress, qos, retain)
        }
        guard rc == Self.success else {
            throw BrokerFailure("cannot publish to the broker \(target.url): \(problem ?? Self.describe(rc))")
        }
        if qos > 0 { unacknowledged.insert(mid) }
    }

    func subscribe(_ filter: String, qos: Int32) throws(BrokerFailure) {
        let rc = mosquitto_subscribe(client, nil, filter, qos)
        guard rc == Self.success else {
            throw BrokerFailure("cannot subscribe to \(filter) at the broker \(target.url): \(Self.describe(rc))")
        }
    }

    /// Waits until every QoS 1 message was acknowledged and everything was written, at most `timeout` s.
    func waitAcknowledged(timeout: Double = BrokerClient.acknowledgeTimeout) throws(BrokerFailure) {
        let deadline = MonotonicClock.seconds + timeout
        while !unacknowledged.isEmpty || mosquitto_want_write(client) {
            let remaining = deadline - MonotonicClock.seconds
            guard remaining > 0 else {
                throw BrokerFailure("the broker \(target.url) did not acknowledge \(unacknowledged.count) message(s) within \(Int(timeout)) s")
            }
            _ = try step(milliseconds: Int32(min(remaining, 1) * 1000) + 1)
        }
    }

    /// Says goodbye (DISCONNECT written, at most a second).
    func disconnect() {
        guard isConnected else { return }
        _ = mosquitto_disconnect(client)
        let deadline = MonotonicClock.seconds + 1
        while mosquitto_want_write(client) && MonotonicClock.seconds < deadline {
            if mosquitto_loop_write(client, 1) != Self.success { break }
        }
        isConnected = false
    }

    /// Polls the connection (and `wake`, when given) at most `milliseconds`, then lets libmosquitto
    /// read and write what is ready and send its keep-alive; whether `wake` was readable.
    @discardableResult
    func step(milliseconds: Int32, wake: Int32 = -1) throws(BrokerFailure) -> Bool {
        let fd = mosquitto_socket(client)
        var fds: [pollfd] = []
        if fd >= 0 {
            fds.append(pollfd(fd: fd, events: Int16(POLLIN) | (mosquitto_want_write(client) ? Int16(POLLOUT) : 0), revents: 0))
        }
        if wake >= 0 { fds.append(pollfd(fd: wake, events: Int16(POLLIN), revents: 0)) }
        let n = poll(&fds, nfds_t(fds.count), max(0, milliseconds))
        if n < 0 && errno != EINTR { throw unreachable(String(cString: strerror(errno))) }
        var woken = false
        if wake >= 0, let last = fds.last, last.fd == wake, last.revents != 0 { woken = true }
        if fd >= 0, let first = fds.first, first.revents != 0 {
            if first.revents & Int16(POLLERR | POLLHUP) != 0, !wasConnected {
                // The pending error, or the one libmosquitto meets reading (TLS may have taken the former).
                if let problem { throw unreachable(problem) }
                if let error = Self.socketError(fd) { throw unreachable(error) }
                // TLS's first write took the error of a connection that never was: a refused one.
                if Self.neverConnected(fd) { throw unreachable(String(cString: strerror(ECONNREFUSED))) }
                let rc = mosquitto_loop_read(client, 1)
                throw unreachable(problem ?? (rc == Self.success ? "the connection was closed" : Self.describe(rc)))
            }
            if first.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                let rc = mosquitto_loop_read(client, 1)
                if rc != Self.success { throw lost(rc, fd: fd) }
            }
            if first.revents & Int16(POLLOUT) != 0 {
                let rc = mosquitto_loop_write(client, 1)
                if rc != Self.success { throw lost(rc, fd: fd) }
            }
        }
        if let problem { throw problemFailure(problem) }
        _ = mosquitto_loop_misc(client)
        return woken
    }

    private func lost(_ rc: Int32, fd: Int32) -> BrokerFailure {
        let reason = problem ?? Self.socketError(fd) ?? Self.describe(rc)
        return wasConnected ? BrokerFailure("lost the broker \(target.url): \(reason)") : unreachable(reason)
    }

    private func problemFailure(_ reason: String) -> BrokerFailure {
        wasConnected ? BrokerFailure("lost the broker \(target.url): \(reason)") : unreachable(reason)
    }

    private func unreachable(_ reason: String) -> BrokerFailure {
        var text = reason
        if let tlsError {
            text += " (\(tlsError))"
            if tlsError.contains("certificate verify failed") {
                text += target.caFile == nil ? "; if the broker's certificate is signed by a CA of its own, name it with --broker-ca-file"
                    : "; is \(target.caFile ?? "") the CA that signed the broker's certificate, for \(target.url.host)?"
            }
        }
        return BrokerFailure("cannot reach the broker \(target.url): \(text)")
    }

    /// The pending error of a socket (a refused or timed-out connect).
    static func socketError(_ fd: Int32) -> String? {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error != 0 else { return nil }
        return String(cString: strerror(error))
    }

    /// Whether the socket has no peer (its connect failed).
    static func neverConnected(_ fd: Int32) -> Bool {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        return rc != 0 && errno == ENOTCONN
    }

    // MARK: libmosquitto's callbacks (inside loop_read and loop_write, on the caller's thread)

    fileprivate func connected(_ rc: Int32) {
        if rc == 0 {
            isConnected = true
            wasConnected = true
            problem = nil
        } else {
            problem = "the broker refused the connection: \(String(cString: mosquitto_connack_string(rc)))"
                + (rc == 4 || rc == 5 ? (target.password == nil ? " (no password was given: --broker-password-file)" : " (check the user and the password file)") : "")
        }
    }

    fileprivate func disconnected(_ rc: Int32) {
        if problem == nil && rc != 0 { problem = Self.describe(rc) }
        isConnected = false
    }

    /// The first OpenSSL error libmosquitto logs: what "A TLS error occurred." was.
    private var tlsError: String?

    fileprivate func logged(_ line: String) {
        guard tlsError == nil, line.hasPrefix("OpenSSL Error") else { return }
        tlsError = String(line.drop { $0 != ":" }.dropFirst().drop { $0 == " " })
    }

    fileprivate func published(_ mid: Int32) {
        unacknowledged.remove(mid)
    }

    fileprivate func received(_ message: UnsafePointer<mosquitto_message>) {
        guard let topic = message.pointee.topic else { return }
        let payload = message.pointee.payload
        let length = Int(max(0, message.pointee.payloadlen))
        let bytes: [UInt8] = length == 0 || payload == nil || length > 4096 ? [] : Array(UnsafeRawBufferPointer(start: payload, count: length))
        onMessage?(String(cString: topic), bytes)
    }

    // MARK: From the C callbacks to this object

    /// The callbacks find this object through libmosquitto's user data (unretained: the client is
    /// destroyed, and its callbacks with it, in `deinit`).
    private func registerCallbacks() {
        mosquitto_user_data_set(client, Unmanaged.passUnretained(self).toOpaque())
        mosquitto_connect_callback_set(client) { _, context, rc in BrokerClient.from(context)?.connected(rc) }
        mosquitto_disconnect_callback_set(client) { _, context, rc in BrokerClient.from(context)?.disconnected(rc) }
        mosquitto_publish_callback_set(client) { _, context, mid in BrokerClient.from(context)?.published(mid) }
        mosquitto_log_callback_set(client) { _, context, _, line in
            guard let line else { return }
            BrokerClient.from(context)?.logged(String(cString: line))
        }
        mosquitto_message_callback_set(client) { _, context, message in
            guard let message else { return }
            BrokerClient.from(context)?.received(message)
        }
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> BrokerClient? {
        context.map { Unmanaged<BrokerClient>.fromOpaque($0).takeUnretainedValue() }
    }
}
