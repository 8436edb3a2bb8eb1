import CLazyLibraries
import DBus
import Glibc
import TrainBellCore

/// HTTP and SMTP requests of the sinks through libcurl's multi interface, driven by the daemon's
/// main loop (`curl_multi_socket_action`): curl says which sockets to watch and when its timer
/// falls due; the loop calls back; nothing blocks. libcurl is loaded at the first request
/// (CLazyLibraries), so a trainbelld without sinks maps none of it.
final class CurlTransfers {
    struct Answer: Sendable {
        /// CURLE_OK or curl's error.
        var code: CURLcode
        var error: String
        /// The HTTP status, or the last SMTP reply code.
        var status: Int
        var retryAfter: String?
        var body: String
    }

    private final class Transfer {
        let easy: UnsafeMutableRawPointer
        var headers: UnsafeMutablePointer<curl_slist>?
        var recipients: UnsafeMutablePointer<curl_slist>?
        var upload: [UInt8] = []
        var uploaded = 0
        var response: [UInt8] = []
        var retryAfter: String?
        /// curl writes its error here: an allocation of its own (an array's storage may move).
        let errorBuffer: UnsafeMutablePointer<CChar> = {
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
            buffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
            return buffer
        }()
        let done: (Answer) -> Void

        init(easy: UnsafeMutableRawPointer, done: @escaping (Answer) -> Void) {
            self.easy = easy
            self.done = done
        }

        deinit {
            tb_curl_slist_free_all(headers)
            tb_curl_slist_free_all(recipients)
            errorBuffer.deallocate()
        }
    }

    private let loop: EventLoop
    private var multi: UnsafeMutableRawPointer?
    private var transfers: [UnsafeMutableRawPointer: Transfer] = [:]
    private var watches: [Int32: EventSource] = [:]
    private var timer: EventSource?
    private let userAgent: String

    init(loop: EventLoop, userAgent: String) {
        self.loop = loop
        self.userAgent = userAgent
    }

    deinit {
        for (easy, _) in transfers {
            tb_curl_multi_remove_handle(multi, easy)
            tb_curl_easy_cleanup(easy)
        }
        if let multi { tb_curl_multi_cleanup(multi) }
        for watch in watches.values { watch.cancel() }
        timer?.cancel()
    }

    var active: Int { transfers.count }

    /// Starts `request` (`.http` or `.mail`); `done` runs on the loop with curl's answer.
    func start(_ request: SinkRequest, password: String?, user: String?, timeout: Int, done: @escaping (Answer) -> Void) {
        func fail(_ text: String) { done(Answer(code: CURLE_FAILED_INIT, error: text, status: 0, retryAfter: nil, body: "")) }
        if let missing = tb_lazy_curl_error() { return fail(String(cString: missing)) }
        guard let multi = ensureMulti(), let easy = tb_curl_easy_init() else { return fail("libcurl cannot start a transfer") }
        let transfer = Transfer(easy: easy, done: done)
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        tb_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, transfer.errorBuffer)
        tb_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        tb_curl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT, min(10, timeout))
        tb_curl_easy_setopt_long(easy, CURLOPT_TIMEOUT, timeout)
        tb_curl_easy_setopt_pointer(easy, CURLOPT_USERAGENT, userAgent)
        tb_curl_easy_set_write_function(easy) { data, size, count, context in
            guard let data, let context else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
            let bytes = size * count
            if transfer.response.count < 65_536 {
                transfer.response += UnsafeRawBufferPointer(start: data, count: min(bytes, 65_536 - transfer.response.count))
            }
            return bytes
        }
        tb_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context)
        tb_curl_easy_set_header_function(easy) { data, size, count, context in
            guard let data, let context else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
            let bytes = size * count
            let line = String(decoding: UnsafeRawBufferPointer(start: data, count: bytes), as: UTF8.self)
            if line.lowercased().hasPrefix("retry-after:") {
                transfer.retryAfter = line.dropFirst(12).withoutLineEnds.filter { $0 != " " }
            }
            return bytes
        }
        tb_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context)
        switch request {
        case .http(let method, let url, let headers, let body):
            tb_curl_easy_setopt_pointer(easy, CURLOPT_PROTOCOLS_STR, "http,https")
            tb_curl_easy_setopt_pointer(easy, CURLOPT_URL, url)
            for header in headers { transfer.headers = tb_curl_slist_append(transfer.headers, header) }
            transfer.headers = tb_curl_slist_append(transfer.headers, "Expect:")
            tb_curl_easy_setopt_pointer(easy, CURLOPT_HTTPHEADER, transfer.headers)
            if method != "POST" { tb_curl_easy_setopt_pointer(easy, CURLOPT_CUSTOMREQUEST, method) }
            tb_curl_easy_setopt_long(easy, CURLOPT_POSTFIELDSIZE, body.utf8.count)
            tb_curl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, body)
        case .mail(let url, let from, let to, let text):
            tb_curl_easy_setopt_pointer(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps")
            tb_curl_easy_setopt_pointer(easy, CURLOPT_URL, url)
            // STARTTLS is required on smtp://, except to the loopback (a local relay).
            tb_curl_easy_setopt_long(easy, CURLOPT_USE_SSL, Self.isLoopback(url) ? Int(CURLUSESSL_TRY.rawValue) : Int(CURLUSESSL_ALL.rawValue))
            tb_curl_easy_setopt_pointer(easy, CURLOPT_MAIL_FROM, "<\(from)>")
            for address in to { transfer.recipients = tb_curl_slist_append(transfer.recipients, "<\(address)>") }
            tb_curl_easy_setopt_pointer(easy, CURLOPT_MAIL_RCPT, transfer.recipients)
            transfer.upload = Array(text.utf8)
            tb_curl_easy_setopt_long(easy, CURLOPT_UPLOAD, 1)
            tb_curl_easy_setopt_long(easy, CURLOPT_INFILESIZE, transfer.upload.count)
            tb_curl_easy_set_read_function(easy) { buffer, size, count, context in
                guard let buffer, let context else { return 0 }
                let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
                let n = min(size * count, transfer.upload.count - transfer.uploaded)
                transfer.upload.withUnsafeBytes { source in
                    UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + transfer.uploaded, byteCount: n)
                }
                transfer.uploaded += n
                return n
            }
            tb_curl_easy_setopt_pointer(easy, CURLOPT_READDATA, context)
        case .publish, .run:
            tb_curl_easy_cleanup(easy)
            return fail("not a request for libcurl")
        }
        if let user { tb_curl_easy_setopt_pointer(easy, CURLOPT_USERNAME, user) }
        if let password { tb_curl_easy_setopt_pointer(easy, CURLOPT_PASSWORD, password) }
        transfers[easy] = transfer
        let added = tb_curl_multi_add_handle(multi, easy)
        guard added == CURLM_OK else {
            // The handle goes before the transfer whose buffers and lists it points to.
            tb_curl_easy_cleanup(easy)
            withExtendedLifetime(transfer) { transfers[easy] = nil }
            return fail("libcurl cannot add a transfer (\(added.rawValue))")
        }
    }

    /// `host` of `url` is 127.0.0.0/8, ::1 or localhost.
    static func isLoopback(_ url: String) -> Bool {
        guard let rest = url.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first else { return false }
        let hostPort = rest.split(separator: "@").last ?? rest
        let host = hostPort.hasPrefix("[") ? String(hostPort.dropFirst().prefix { $0 != "]" }) : String(hostPort.prefix { $0 != ":" })
        if host == "localhost" || host == "::1" { return true }
        // An address, not a name that begins like one (127.example.org).
        var address = in_addr()
        guard inet_pton(AF_INET, host, &address) == 1 else { return false }
        return UInt32(bigEndian: address.s_addr) >> 24 == 127
    }

    // MARK: The multi handle and the loop

    private func ensureMulti() -> UnsafeMutableRawPointer? {
        if let multi { return multi }
        _ = tb_curl_global_init()
        guard let made = tb_curl_multi_init() else { return nil }
        multi = made
        let context = Unmanaged.passUnretained(self).toOpaque()
        tb_curl_multi_set_socket_function(made) { _, socket, what, context, _ in
            guard let context else { return 0 }
            Unmanaged<CurlTransfers>.fromOpaque(context).takeUnretainedValue().watch(socket, what: what)
            return 0
        }
        tb_curl_multi_setopt_pointer(made, CURLMOPT_SOCKETDATA, context)
        tb_curl_multi_set_timer_function(made) { _, milliseconds, context in
            guard let context else { return 0 }
            Unmanaged<CurlTransfers>.fromOpaque(context).takeUnretainedValue().setTimer(milliseconds)
            return 0
        }
        tb_curl_multi_setopt_pointer(made, CURLMOPT_TIMERDATA, context)
        return made
    }

    private func watch(_ socket: Int32, what: Int32) {
        watches[socket]?.cancel()
        watches[socket] = nil
        guard what != CURL_POLL_REMOVE else { return }
        var events: FileEvents = []
        if what == CURL_POLL_IN || what == CURL_POLL_INOUT { events.insert(.readable) }
        if what == CURL_POLL_OUT || what == CURL_POLL_INOUT { events.insert(.writable) }
        watches[socket] = loop.watch(fd: socket, for: events) { [weak self] happened in
            var flags: Int32 = 0
            if happened.contains(.readable) || happened.contains(.hangup) { flags |= CURL_CSELECT_IN }
            if happened.contains(.writable) { flags |= CURL_CSELECT_OUT }
            if happened.contains(.error) { flags |= CURL_CSELECT_ERR }
            self?.act(socket, flags)
        }
    }

    /// curl's timer: -1 none, else in `milliseconds` (never called into curl from here).
    private func setTimer(_ milliseconds: Int) {
        timer?.cancel()
        timer = nil
        guard milliseconds >= 0 else { return }
        timer = loop.addTimeout(milliseconds: UInt32(clamping: milliseconds)) { [weak self] in
            self?.timer = nil
            self?.act(CURL_SOCKET_TIMEOUT, 0)
            return false
        }
    }

    private func act(_ socket: Int32, _ flags: Int32) {
        guard let multi else { return }
        var running: Int32 = 0
        _ = tb_curl_multi_socket_action(multi, socket, flags, &running)
        var queued: Int32 = 0
        while let message = tb_curl_multi_info_read(multi, &queued) {
            guard tb_curl_message_is_done(message) != 0, let easy = tb_curl_message_easy(message),
                  let transfer = transfers.removeValue(forKey: easy) else { continue }
            let code = tb_curl_message_result(message)
            var status = 0
            tb_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            let detail = String(cString: transfer.errorBuffer)
            let error = code == CURLE_OK ? "" : (detail.isEmpty ? String(cString: tb_curl_easy_strerror(code)) : detail)
            tb_curl_multi_remove_handle(multi, easy)
            tb_curl_easy_cleanup(easy)
            transfer.done(Answer(code: code, error: error, status: status, retryAfter: transfer.retryAfter,
                                 body: String(decoding: transfer.response, as: UTF8.self)))
        }
    }
}
