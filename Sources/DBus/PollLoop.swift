import CDBus
import Glibc
import Synchronization

/// An event loop on `poll(2)`, without GLib: the loop of the command line, which must not map GLib
/// (issue 17 item 3: `trainbell progress` starts, calls and ends in a few milliseconds).
///
/// It keeps the promises of GLib's loop that the bus layer relies on: an idle loop blocks in `poll`
/// until the nearest timer or forever (no wake-ups), timers run on the monotonic clock and never
/// early, an idle source runs only in an iteration that had nothing else to do, and a source is
/// never run again while its handler runs (a handler may run a nested loop). `quit`, `invoke`,
/// `wakeUp` and adding or cancelling sources are safe from any thread: an eventfd wakes a loop
/// blocked in another thread.
public final class PollLoop: EventLoop {
    // Sendable: every mutable field is behind the Mutex or atomic.

    struct State: Sendable {
        var nextID: UInt64 = 1
        var sources: [UInt64: PollSource] = [:]
        /// Timers' next expiry on the monotonic clock, in nanoseconds.
        var deadlines: [UInt64: UInt64] = [:]
        /// Signal sources whose signal arrived.
        var fired: [UInt64] = []
        var signalSources = 0
        /// Sources whose handler is running (not polled or run again meanwhile).
        var busy: Set<UInt64> = []
        var invocations: [@Sendable () -> Void] = []
    }

    /// Internal, not private: the iteration lives in PollLoop+Iteration.swift.
    let state = Mutex(State())
    /// The eventfd other threads write to wake a blocked `poll`.
    let wakeFD: Int32
    /// The thread in `iterate`, 0 when none (`wakeUp` is free then, and from that thread). Set before
    /// an iteration takes the lock to plan, so a change made under the lock either is in the plan or
    /// sees the owner and wakes it.
    let owner = Atomic<UInt>(0)
    private let running = Atomic<Bool>(false)
    private let quitRequested = Atomic<Bool>(false)

    /// A loop; run it on the thread that uses its connections.
    public init() {
        let fd = tb_eventfd_new()
        if fd < 0 { fatalError("cannot create an eventfd: \(String(cString: strerror(errno)))") }
        wakeFD = fd
    }

    deinit {
        for source in state.withLock({ Array($0.sources.values) }) where source.markGone() {
            if case .signal = source.kind { UnixSignalRelay.unregister(source) }
        }
        close(wakeFD)
    }

    // MARK: Running

    /// Runs until `quit` (a `quit` before `run` is forgotten, as GLib's is).
    public func run() {
        quitRequested.store(false, ordering: .releasing)
        running.store(true, ordering: .releasing)
        defer { running.store(false, ordering: .releasing) }
        while !quitRequested.load(ordering: .acquiring) { iterate(mayBlock: true) }
    }

    /// Stops `run`; safe from any thread.
    public func quit() {
        quitRequested.store(true, ordering: .releasing)
        running.store(false, ordering: .releasing)
        // Always written (on another thread than the loop's): `run` reads the flag outside the lock,
        // so it may be just about to block with the flag unseen and no owner set yet.
        if owner.load(ordering: .acquiring) != UInt(pthread_self()) { writeWakeUp() }
    }

    /// Whether `run` is running (a thread that starts the loop waits for it before using `invoke`).
    public var isRunning: Bool { running.load(ordering: .acquiring) }

    /// Iterates until `condition` holds or `seconds` pass (a timer of its own); whether it held.
    @discardableResult
    public func run(until condition: () -> Bool, timeout seconds: Double) -> Bool {
        if condition() { return true }
        var expired = false
        let timer = addTimeout(milliseconds: UInt32(max(0, min(seconds * 1000, Double(UInt32.max))))) {
            expired = true
            return false
        }
        defer { timer.cancel() }
        while !condition() && !expired { iterate(mayBlock: true) }
        return condition()
    }

    /// One eventfd write when another thread iterates the loop. Not on that thread (it looks again
    /// anyway), nor when no thread iterates: the next iteration plans under the same lock as the change
    /// that asked for the wake-up, so it sees the change (a loop starting does not wake up at once).
    public func wakeUp() {
        let current = owner.load(ordering: .acquiring)
        guard current != 0, current != UInt(pthread_self()) else { return }
        writeWakeUp()
    }

    private func writeWakeUp() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    /// Queues `block` for the loop's next iteration and wakes it; safe from any thread. Unlike GLib's,
    /// it never runs `block` at once, even on the loop's own thread.
    public func invoke(_ block: @escaping @Sendable () -> Void) {
        state.withLock { $0.invocations.append(block) }
        wakeUp()
    }

    // MARK: Sources

    /// A timer on the monotonic clock; it never fires early, and is due again an interval after its
    /// handler returns true.
    @discardableResult
    public func addTimeout(milliseconds: UInt32, _ handler: @escaping () -> Bool) -> EventSource {
        addTimer(UInt64(milliseconds) * 1_000_000, handler)
    }

    /// `addTimeout(milliseconds:)` in seconds (no batching: the command has few timers).
    @discardableResult
    public func addTimeout(seconds: UInt32, _ handler: @escaping () -> Bool) -> EventSource {
        addTimer(UInt64(seconds) * 1_000_000_000, handler)
    }

    /// Runs in an iteration that dispatched nothing else, while the handler returns true (the loop
    /// does not block meanwhile).
    @discardableResult
    public func addIdle(_ handler: @escaping () -> Bool) -> EventSource {
        add(.idle(handler))
    }

    /// A signal source; when the signal cannot be caught (not 1…64, or no pipe), a source that is
    /// already cancelled.
    @discardableResult
    public func addUnixSignal(_ signal: Int32, _ handler: @escaping () -> Bool) -> EventSource {
        let source = add(.signal(signal, handler))
        if !UnixSignalRelay.register(source, signal: signal) { source.cancel() }
        return source
    }

    /// Polls `fd` for `events` until cancelled; not while its own handler runs.
    @discardableResult
    public func watch(fd: Int32, for events: FileEvents, _ handler: @escaping (FileEvents) -> Void) -> EventSource {
        add(.watch(fd: fd, events: events, handler))
    }

    private func addTimer(_ interval: UInt64, _ handler: @escaping () -> Bool) -> PollSource {
        add(.timer(interval: interval, handler), deadline: MonotonicClock.nanoseconds + interval)
    }

    private func add(_ kind: PollSource.Kind, deadline: UInt64? = nil) -> PollSource {
        let source = state.withLock { state in
            let source = PollSource(id: state.nextID, kind: kind, loop: self)
            state.nextID += 1
            state.sources[source.id] = source
            if let deadline { state.deadlines[source.id] = deadline }
            if case .signal = kind { state.signalSources += 1 }
            return source
        }
        wakeUp()
        return source
    }

    /// Forgets `source` (cancelled, or its handler is done); safe from any thread.
    func remove(_ source: PollSource) {
        let removed = state.withLock { state in
            guard state.sources.removeValue(forKey: source.id) != nil else { return false }
            state.deadlines[source.id] = nil
            state.fired.removeAll { $0 == source.id }
            if case .signal = source.kind { state.signalSources -= 1 }
            return true
        }
        if removed { wakeUp() }
    }

    /// Marks a signal source ready and wakes the loop (called by whichever loop read the signal).
    func signalArrived(_ source: PollSource) {
        let known = state.withLock { state in
            guard state.sources[source.id] != nil else { return false }
            if !state.fired.contains(source.id) { state.fired.append(source.id) }
            return true
        }
        if known { wakeUp() }
    }
}
