import DBus
import Glibc

/// The threads `trainbell run` works on beside its main one (the output watcher, the report
/// senders): started with the signals the main thread handles blocked, so that SIGINT, SIGTERM,
/// SIGHUP, SIGQUIT and SIGCHLD always reach the main thread, which forwards them to the command.
enum BackgroundThread {
    /// The signals only the main thread takes.
    static let mainThreadSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD]

    /// What `pthread_create` refused, as its error number.
    struct Refusal: Error {
        let code: Int32
        var message: String { String(cString: strerror(code)) }
    }

    /// Runs `body` on a new thread with ``mainThreadSignals`` and `alsoBlocked` blocked. The thread
    /// is detached, unless `joinable` (then the caller joins the thread returned).
    @discardableResult
    static func start(joinable: Bool = false, alsoBlocked: [Int32] = [], _ body: @escaping () -> Void) -> Result<pthread_t, Refusal> {
        let context = Unmanaged.passRetained(Body(run: body, blocked: mainThreadSignals + alsoBlocked)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let body = Unmanaged<Body>.fromOpaque(raw).takeRetainedValue()
            var blocked = sigset_t()
            sigemptyset(&blocked)
            for s in body.blocked { sigaddset(&blocked, s) }
            pthread_sigmask(SIG_BLOCK, &blocked, nil)
            body.run()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return .failure(Refusal(code: rc))
        }
        if !joinable { pthread_detach(thread) }
        return .success(thread)
    }

    /// What the new thread runs. @unchecked Sendable: handed over once, read only by the new thread.
    private final class Body: @unchecked Sendable {
        let run: () -> Void
        let blocked: [Int32]

        init(run: @escaping () -> Void, blocked: [Int32]) {
            self.run = run
            self.blocked = blocked
        }
    }
}

/// A pipe between the main thread of `trainbell run` and one of its background threads: one byte
/// an event, written and read whole (so both threads may use it without a lock).
struct EventPipe {
    let readEnd: Int32
    let writeEnd: Int32

    /// A pipe closed on exec; `nonBlocking` for one that is only drained (a wake-up); nil, with
    /// `errno` set, when none can be made.
    init?(nonBlocking: Bool = false) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            if nonBlocking { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    func signal(_ event: UInt8 = 1) {
        var byte = event
        _ = write(writeEnd, &byte, 1)
    }

    /// Waits at most `seconds` for `event` (other bytes are passed over); whether it came.
    func wait(for event: UInt8, seconds: Double) -> Bool {
        let deadline = MonotonicClock.seconds + seconds
        while true {
            let remaining = deadline - MonotonicClock.seconds
            guard remaining > 0 else { return false }
            var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let n = poll(&poller, 1, Int32((remaining * 1000).rounded(.up)))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            var byte: UInt8 = 0
            if read(readEnd, &byte, 1) == 1, byte == event { return true }
        }
    }

    /// Waits at most `milliseconds` (forever when negative) for a byte, then reads every byte there is
    /// (a non-blocking pipe); whether any came.
    @discardableResult
    func drain(waitingAtMost milliseconds: Int32 = 0) -> Bool {
        var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, milliseconds) > 0 else { return false }
        var bytes = [UInt8](repeating: 0, count: 64)
        while read(readEnd, &bytes, bytes.count) > 0 {}
        return true
    }

    func close() {
        _ = Glibc.close(readEnd)
        _ = Glibc.close(writeEnd)
    }
}
