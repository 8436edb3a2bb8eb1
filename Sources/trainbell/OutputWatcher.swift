import DBus
import Glibc

/// Reads the output `trainbell run` passes through on a thread of its own, so that the pump only
/// reads and writes: a chunk is written to the terminal first, then handed over here (one copy into
/// a reused buffer), and the pump goes back to reading while the recognizers read the chunk. The
/// command's output then passes at the speed of the pipe as long as recognition keeps up on another
/// core; when it does not, at most ``depth`` chunks wait and the pump waits for a free buffer — the
/// output is slowed to the recognizers' pace, never left unread.
///
/// `read` and `tick` run on the watcher's thread only, in the order the chunks were read; `tick`
/// runs at least every ``tickMilliseconds`` (progress that waits for its interval goes out then).
final class OutputWatcher: @unchecked Sendable {
    // @unchecked Sendable: every stored property but the closures is touched only with `mutex` held;
    // the closures run on the watcher thread alone, which `finish()` joins before its caller reads
    // what they changed.

    /// The most chunks that wait for the recognizers.
    static let depth = 4
    static let tickMilliseconds: Int64 = 250

    private var mutex = pthread_mutex_t()
    /// Signalled when a chunk is queued or the pump is done.
    private var queued = pthread_cond_t()
    /// Signalled when a buffer is free.
    private var freed = pthread_cond_t()
    private var waiting: [(stream: ChildRunner.Stream, bytes: [UInt8])] = []
    private var spare: [[UInt8]] = []
    private var buffers = 0
    private var closing = false
    private var thread = pthread_t()
    private var started = false

    private let readChunk: (ChildRunner.Stream, [UInt8]) -> Void
    private let tick: () -> Void

    init(read: @escaping (ChildRunner.Stream, [UInt8]) -> Void, tick: @escaping () -> Void) {
        self.readChunk = read
        self.tick = tick
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&queued, &attributes)
        pthread_cond_init(&freed, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(&queued)
        pthread_cond_destroy(&freed)
        pthread_mutex_destroy(&mutex)
    }

    /// Starts the thread; false when none can be made (then ``submit(_:_:)`` reads on the caller's thread).
    @discardableResult
    func start() -> Bool {
        guard case .success(let thread) = BackgroundThread.start(joinable: true, { [self] in run() }) else { return false }
        self.thread = thread
        started = true
        return true
    }

    /// Hands over a chunk the pump has passed (waits while ``depth`` chunks are waiting).
    func submit(_ stream: ChildRunner.Stream, _ chunk: ArraySlice<UInt8>) {
        guard started else {
            readChunk(stream, Array(chunk))
            return
        }
        pthread_mutex_lock(&mutex)
        while spare.isEmpty && buffers >= Self.depth { pthread_cond_wait(&freed, &mutex) }
        var buffer: [UInt8]
        if let reused = spare.popLast() {
            buffer = reused
        } else {
            buffers += 1
            buffer = []
            buffer.reserveCapacity(ChildRunner.readSize)
        }
        pthread_mutex_unlock(&mutex)
        // The copy is made outside the lock: the watcher may be reading meanwhile.
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: chunk)
        pthread_mutex_lock(&mutex)
        waiting.append((stream, buffer))
        pthread_cond_signal(&queued)
        pthread_mutex_unlock(&mutex)
    }

    /// Waits until every chunk handed over has been read, and ends the thread.
    func finish() {
        guard started else { return }
        pthread_mutex_lock(&mutex)
        closing = true
        pthread_cond_signal(&queued)
        pthread_mutex_unlock(&mutex)
        pthread_join(thread, nil)
        started = false
    }

    private func run() {
        var nextTick = MonotonicClock.milliseconds + Self.tickMilliseconds
        pthread_mutex_lock(&mutex)
        while true {
            if waiting.isEmpty {
                if closing { break }
                var deadline = timespec(tv_sec: Int(nextTick / 1000), tv_nsec: Int(nextTick % 1000) * 1_000_000)
                _ = pthread_cond_timedwait(&queued, &mutex, &deadline)
            }
            let next = waiting.isEmpty ? nil : waiting.removeFirst()
            pthread_mutex_unlock(&mutex)
            if let next {
                readChunk(next.stream, next.bytes)
            }
            let now = MonotonicClock.milliseconds
            if now >= nextTick {
                tick()
                nextTick = now + Self.tickMilliseconds
            }
            pthread_mutex_lock(&mutex)
            if let next {
                spare.append(next.bytes)
                pthread_cond_signal(&freed)
            }
        }
        pthread_mutex_unlock(&mutex)
    }
}
