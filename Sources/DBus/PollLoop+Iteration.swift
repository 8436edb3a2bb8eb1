import Glibc

/// One iteration of a ``PollLoop``: plan under the lock, poll without it, then run the handlers that
/// are due, each claimed under the lock first (a source cancelled meanwhile does not run).
extension PollLoop {
    /// Polls once (blocking until the nearest timer or for ever, when `mayBlock` and nothing is
    /// ready), then runs in order: invocations, ready descriptors, expired timers, signals, and the
    /// idles if none of those ran. Returns whether a handler ran.
    @discardableResult
    public func iterate(mayBlock: Bool) -> Bool {
        let previousOwner = owner.exchange(UInt(pthread_self()), ordering: .acquiringAndReleasing)
        defer { owner.store(previousOwner, ordering: .releasing) }
        var plan = makePlan(mayBlock: mayBlock)
        let ready = poll(&plan.descriptors, nfds_t(plan.descriptors.count), plan.timeout)
        var dispatched = false
        if ready > 0 {
            if plan.descriptors[0].revents != 0 { drainWakeUps() }
            if plan.signalIndex > 0, plan.descriptors[plan.signalIndex].revents != 0 { UnixSignalRelay.drain() }
        }
        let invocations = state.withLock { state in
            defer { state.invocations = [] }
            return state.invocations
        }
        for block in invocations { block() }
        dispatched = !invocations.isEmpty
        if ready > 0 {
            for (index, id) in plan.watches where plan.descriptors[index].revents != 0 {
                let events = FileEvents(pollEvents: plan.descriptors[index].revents)
                dispatched = runSource(id) { kind in
                    if case .watch(_, _, let handler) = kind { handler(events) }
                    return true
                } || dispatched
            }
        }
        dispatched = runExpiredTimers() || dispatched
        // A signal whose source is busy (a nested loop in its handler) waits for it.
        let fired = state.withLock { state in
            let now = state.fired.filter { !state.busy.contains($0) }
            state.fired.removeAll { !state.busy.contains($0) }
            return now
        }
        for id in fired {
            dispatched = runSource(id) { kind in
                if case .signal(_, let handler) = kind { return handler() }
                return false
            } || dispatched
        }
        if !dispatched {
            let idles = state.withLock { state in
                state.sources.values.filter { source in
                    if case .idle = source.kind { return !state.busy.contains(source.id) }
                    return false
                }.map(\.id).sorted()
            }
            for id in idles {
                dispatched = runSource(id) { kind in
                    if case .idle(let handler) = kind { return handler() }
                    return false
                } || dispatched
            }
        }
        return dispatched
    }

    private struct Plan {
        var descriptors: [pollfd]
        /// (index in `descriptors`, source id) of each watch.
        var watches: [(Int, UInt64)]
        /// Index of the signal pipe in `descriptors`, 0 when not polled.
        var signalIndex: Int
        var timeout: Int32
    }

    /// What to poll and for how long: not at all when something is ready, else until the nearest
    /// timer, else for ever.
    private func makePlan(mayBlock: Bool) -> Plan {
        let signalFD = UnixSignalRelay.readFD
        return state.withLock { state in
            var plan = Plan(descriptors: [pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)], watches: [],
                            signalIndex: 0, timeout: -1)
            if state.signalSources > 0, let signalFD {
                plan.signalIndex = plan.descriptors.count
                plan.descriptors.append(pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0))
            }
            var idle = false
            for source in state.sources.values where !state.busy.contains(source.id) {
                switch source.kind {
                case .watch(let fd, let events, _):
                    plan.watches.append((plan.descriptors.count, source.id))
                    plan.descriptors.append(pollfd(fd: fd, events: events.pollEvents, revents: 0))
                case .idle:
                    idle = true
                case .timer, .signal:
                    break
                }
            }
            if !mayBlock || idle || !state.invocations.isEmpty || state.fired.contains(where: { !state.busy.contains($0) }) {
                plan.timeout = 0
            } else if let next = state.deadlines.filter({ !state.busy.contains($0.key) }).values.min() {
                let now = MonotonicClock.nanoseconds
                let wait = next > now ? (next - now + 999_999) / 1_000_000 : 0
                plan.timeout = Int32(min(wait, UInt64(Int32.max)))
            }
            return plan
        }
    }

    private func drainWakeUps() {
        var count: UInt64 = 0
        _ = read(wakeFD, &count, 8)
    }

    /// Runs the expired timers, earliest first; returns whether any ran.
    private func runExpiredTimers() -> Bool {
        let now = MonotonicClock.nanoseconds
        let expired = state.withLock { state in
            state.deadlines.filter { $0.value <= now && !state.busy.contains($0.key) }
                .sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map(\.key)
        }
        var ran = false
        for id in expired {
            ran = runSource(id) { kind in
                if case .timer(_, let handler) = kind { return handler() }
                return false
            } || ran
        }
        return ran
    }

    /// Runs the handler of source `id` if it is still there, marked busy meanwhile; a handler that
    /// returns false ends its source, a timer that goes on is due again an interval later. Returns
    /// whether the handler ran.
    private func runSource(_ id: UInt64, _ body: (PollSource.Kind) -> Bool) -> Bool {
        let claimed = state.withLock { state -> PollSource? in
            guard let source = state.sources[id], !state.busy.contains(id) else { return nil }
            state.busy.insert(id)
            return source
        }
        guard let source = claimed else { return false }
        let again = body(source.kind)
        state.withLock { state in
            state.busy.remove(id)
            if again, case .timer(let interval, _) = source.kind, state.deadlines[id] != nil {
                state.deadlines[id] = MonotonicClock.nanoseconds + interval
            }
        }
        if !again, source.markGone() {
            if case .signal = source.kind { UnixSignalRelay.unregister(source) }
            remove(source)
        }
        return true
    }
}

extension FileEvents {
    /// The `poll` events to wait for (hang-ups and errors are always reported).
    var pollEvents: Int16 {
        var events: Int16 = 0
        if contains(.readable) { events |= Int16(POLLIN) }
        if contains(.writable) { events |= Int16(POLLOUT) }
        return events
    }

    /// What `poll` reported; a descriptor that is not open counts as an error.
    init(pollEvents revents: Int16) {
        self = []
        if revents & Int16(POLLIN) != 0 { insert(.readable) }
        if revents & Int16(POLLOUT) != 0 { insert(.writable) }
        if revents & Int16(POLLHUP) != 0 { insert(.hangup) }
        if revents & Int16(POLLERR | POLLNVAL) != 0 { insert(.error) }
    }
}
