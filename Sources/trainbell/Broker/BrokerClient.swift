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

/// One connection of the CLI to an MQTT broker, on libmosquitto loaded at first use
/// (``MosquittoLibrary``), driven by the caller's thread: `step` polls the client's socket (and a
/// wake-up descriptor of the caller's) and lets libmosquitto read, write and keep alive. A clean
/// session (the publisher needs none kept); QoS 1 messages are remembered until their PUBACK.
final class BrokerClient {
    let target: BrokerTarget
    private let library: MosquittoLibrary
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
        let library = try MosquittoLibrary.shared.get()
        self.library = library
        self.target = target
        // A clean session with a client id of the broker's choosing: nothing of a publisher is kept.
        guard let client = library.new(nil, true, nil) else {
            throw BrokerFailure("libmosquitto cannot make a client: \(String(cString: strerror(errno)))")
        }
        self.client = client
        _ = library.intOption(client, MosquittoLibrary.optionProtocolVersion, MosquittoLibrary.protocolV311)
        if let user = target.url.user {
            _ = library.usernamePasswordSet(client, user, target.password)
        }
        if target.url.tls {
            let rc = library.tlsSet(client, target.caFile, target.caFile == nil ? "/etc/ssl/certs" : nil, nil, nil, nil)
            guard rc == MosquittoLibrary.success else {
                library.destroy(client)
                throw BrokerFailure("cannot set up TLS for the broker \(target.url)\(target.caFile.map { " with the CA file \($0)" } ?? ""): \(library.describe(rc))")
            }
        }
        registerCallbacks()
    }

    deinit {
        library.destroy(client)
    }

    // MARK: Connecting, publishing, waiting

    /// Connects (`again`: after a loss, with what was not acknowledged sent again), waiting at most
    /// ``connectTimeout`` for the broker's CONNACK.
    func connect(again: Bool = false, timeout: Double = BrokerClient.connectTimeout) throws(BrokerFailure) {
        problem = nil
        tlsError = nil
        isConnected = false
        wasConnected = false
        let rc = again ? library.reconnectAsync(client)
            : library.connectAsync(client, target.url.host, Int32(target.url.port), Self.keepAlive)
        guard rc == MosquittoLibrary.success else { throw unreachable(library.describe(rc)) }
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
            library.publish(client, &mid, topic, Int32(bytes.count), bytes.baseAddress, qos, retain)
        }
        guard rc == MosquittoLibrary.success else {
            throw BrokerFailure("cannot publish to the broker \(target.url): \(problem ?? library.describe(rc))")
        }
        if qos > 0 { unacknowledged.insert(mid) }
    }

    func subscribe(_ filter: String, qos: Int32) throws(BrokerFailure) {
        let rc = library.subscribe(client, nil, filter, qos)
        guard rc == MosquittoLibrary.success else {
            throw BrokerFailure("cannot subscribe to \(filter) at the broker \(target.url): \(library.describe(rc))")
        }
    }

    /// Waits until every QoS 1 message was acknowledged and everything was written, at most `timeout` s.
    func waitAcknowledged(timeout: Double = BrokerClient.acknowledgeTimeout) throws(BrokerFailure) {
        let deadline = MonotonicClock.seconds + timeout
        while !unacknowledged.isEmpty || library.wantWrite(client) {
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
        _ = library.disconnect(client)
        let deadline = MonotonicClock.seconds + 1
        while library.wantWrite(client) && MonotonicClock.seconds < deadline {
            if library.loopWrite(client, 1) != MosquittoLibrary.success { break }
        }
        isConnected = false
    }

    /// Polls the connection (and `wake`, when given) at most `milliseconds`, then lets libmosquitto
    /// read and write what is ready and send its keep-alive; whether `wake` was readable.
    @discardableResult
    func step(milliseconds: Int32, wake: Int32 = -1) throws(BrokerFailure) -> Bool {
        let fd = library.socket(client)
        var fds: [pollfd] = []
        if fd >= 0 {
            fds.append(pollfd(fd: fd, events: Int16(POLLIN) | (library.wantWrite(client) ? Int16(POLLOUT) : 0), revents: 0))
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
                let rc = library.loopRead(client, 1)
                throw unreachable(problem ?? (rc == MosquittoLibrary.success ? "the connection was closed" : library.describe(rc)))
            }
            if first.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                let rc = library.loopRead(client, 1)
                if rc != MosquittoLibrary.success { throw lost(rc, fd: fd) }
            }
            if first.revents & Int16(POLLOUT) != 0 {
                let rc = library.loopWrite(client, 1)
                if rc != MosquittoLibrary.success { throw lost(rc, fd: fd) }
            }
        }
        if let problem { throw problemFailure(problem) }
        _ = library.loopMisc(client)
        return woken
    }

    private func lost(_ rc: Int32, fd: Int32) -> BrokerFailure {
        let reason = problem ?? Self.socketError(fd) ?? library.describe(rc)
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
            problem = "the broker refused the connection: \(library.describeRefusal(rc))"
                + (rc == 4 || rc == 5 ? (target.password == nil ? " (no password was given: --broker-password-file)" : " (check the user and the password file)") : "")
        }
    }

    fileprivate func disconnected(_ rc: Int32) {
        if problem == nil && rc != 0 { problem = library.describe(rc) }
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

    fileprivate func received(_ message: UnsafeRawPointer) {
        // struct mosquitto_message { int mid; char *topic; void *payload; int payloadlen; int qos; bool retain; }
        let pointerSize = MemoryLayout<UnsafeRawPointer>.size
        let topicOffset = pointerSize  // after `mid`, aligned
        let payloadOffset = topicOffset + pointerSize
        let lengthOffset = payloadOffset + pointerSize
        guard let topic = message.load(fromByteOffset: topicOffset, as: UnsafePointer<CChar>?.self) else { return }
        let payload = message.load(fromByteOffset: payloadOffset, as: UnsafeRawPointer?.self)
        let length = Int(max(0, message.load(fromByteOffset: lengthOffset, as: Int32.self)))
        let bytes: [UInt8] = length == 0 || payload == nil || length > 4096 ? [] : Array(UnsafeRawBufferPointer(start: payload, count: length))
        onMessage?(String(cString: topic), bytes)
    }

    // MARK: From the C callbacks to this object

    /// The callbacks find this object through libmosquitto's user data (unretained: the client is
    /// destroyed, and its callbacks with it, in `deinit`).
    private func registerCallbacks() {
        library.userDataSet(client, Unmanaged.passUnretained(self).toOpaque())
        library.connectCallbackSet(client) { _, context, rc in BrokerClient.from(context)?.connected(rc) }
        library.disconnectCallbackSet(client) { _, context, rc in BrokerClient.from(context)?.disconnected(rc) }
        library.publishCallbackSet(client) { _, context, mid in BrokerClient.from(context)?.published(mid) }
        library.logCallbackSet(client) { _, context, _, line in
            guard let line else { return }
            BrokerClient.from(context)?.logged(String(cString: line))
        }
        library.messageCallbackSet(client) { _, context, message in
            guard let message else { return }
            BrokerClient.from(context)?.received(message)
        }
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> BrokerClient? {
        context.map { Unmanaged<BrokerClient>.fromOpaque($0).takeUnretainedValue() }
    }
}
