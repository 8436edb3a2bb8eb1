import CDBus
import Synchronization

/// Attaches a libdbus connection to an ``EventLoop`` (DESIGN.md section 8): libdbus's watches become
/// descriptor sources, its timeouts timers, and pending messages are dispatched from an idle source.
/// Nothing polls: an idle connection has no source that wakes up.
final class LoopGlue: @unchecked Sendable {
    // @unchecked Sendable: libdbus may call the watch/timeout/status functions from any thread that
    // uses the connection; they only add or cancel sources (safe from any thread on every `EventLoop`)
    // and flip an atomic. `dispatching` is only touched on the loop's thread.
    let connection: OpaquePointer
    let loop: any EventLoop
    private let dispatchScheduled = Atomic<Bool>(false)
    private var dispatching = false
    /// The connection's `afterDispatch`, read on the loop.
    weak var owner: Connection?

    /// Holds a reference of its own: an idle dispatch may still be scheduled after the `Connection` is freed.
    init(connection: OpaquePointer, loop: any EventLoop) {
        dbus_connection_ref(connection)
        self.connection = connection
        self.loop = loop
    }

    deinit { dbus_connection_unref(connection) }

    func attach() {
        let me = Unmanaged.passUnretained(self).toOpaque()
        dbus_connection_set_watch_functions(connection, { watch, data in
            guard let watch, let data else { return 0 }
            Unmanaged<LoopGlue>.fromOpaque(data).takeUnretainedValue().addWatch(watch)
            return 1
        }, { watch, _ in
            if let watch { LoopGlue.removeWatch(watch) }
        }, { watch, data in
            guard let watch, let data else { return }
            LoopGlue.removeWatch(watch)
            Unmanaged<LoopGlue>.fromOpaque(data).takeUnretainedValue().addWatch(watch)
        }, me, nil)
        dbus_connection_set_timeout_functions(connection, { timeout, data in
            guard let timeout, let data else { return 0 }
            Unmanaged<LoopGlue>.fromOpaque(data).takeUnretainedValue().addTimeout(timeout)
            return 1
        }, { timeout, _ in
            if let timeout { LoopGlue.removeTimeout(timeout) }
        }, { timeout, data in
            guard let timeout, let data else { return }
            LoopGlue.removeTimeout(timeout)
            Unmanaged<LoopGlue>.fromOpaque(data).takeUnretainedValue().addTimeout(timeout)
        }, me, nil)
        dbus_connection_set_dispatch_status_function(connection, { _, status, data in
            guard let data, status == DBUS_DISPATCH_DATA_REMAINS else { return }
            Unmanaged<LoopGlue>.fromOpaque(data).takeUnretainedValue().scheduleDispatch()
        }, me, nil)
        // libdbus asks for a wake-up at every message queued for sending. The loop's own thread is
        // awake already and returns to the loop, which writes it: `wakeUp` wakes only another thread
        // (an eventfd write and one more loop iteration per signal, otherwise).
        dbus_connection_set_wakeup_main_function(connection, { data in
            guard let data else { return }
            Unmanaged<LoopGlue>.fromOpaque(data).takeUnretainedValue().loop.wakeUp()
        }, me, nil)
        if dbus_connection_get_dispatch_status(connection) == DBUS_DISPATCH_DATA_REMAINS { scheduleDispatch() }
    }

    /// Removes every source; libdbus calls the remove functions for each watch and timeout.
    func detach() {
        dbus_connection_set_watch_functions(connection, nil, nil, nil, nil, nil)
        dbus_connection_set_timeout_functions(connection, nil, nil, nil, nil, nil)
        dbus_connection_set_dispatch_status_function(connection, nil, nil, nil)
        dbus_connection_set_wakeup_main_function(connection, nil, nil, nil)
    }

    /// One idle dispatch at a time; the idle source keeps the glue (and so the raw connection) alive.
    func scheduleDispatch() {
        guard !dispatchScheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        loop.addIdle { [self] in
            dispatchAll()
            return false
        }
    }

    /// Dispatches what is queued, a bounded batch at a time so one busy peer cannot starve the loop.
    func dispatchAll() {
        dispatchScheduled.store(false, ordering: .releasing)
        guard !dispatching else { scheduleDispatch(); return }
        dispatching = true
        defer { dispatching = false }
        var budget = 256
        defer { owner?.afterDispatch?() }
        while dbus_connection_dispatch(connection) == DBUS_DISPATCH_DATA_REMAINS {
            budget -= 1
            if budget == 0 { scheduleDispatch(); return }
        }
    }

    // MARK: watches

    private func addWatch(_ watch: OpaquePointer) {
        guard dbus_watch_get_enabled(watch) != 0 else { return }
        let flags = dbus_watch_get_flags(watch)
        var events: FileEvents = []
        if flags & DBUS_WATCH_READABLE.rawValue != 0 { events.insert(.readable) }
        if flags & DBUS_WATCH_WRITABLE.rawValue != 0 { events.insert(.writable) }
        let source = loop.watch(fd: dbus_watch_get_unix_fd(watch), for: events) { [self] ready in
            var flags: UInt32 = 0
            if ready.contains(.readable) { flags |= DBUS_WATCH_READABLE.rawValue }
            if ready.contains(.writable) { flags |= DBUS_WATCH_WRITABLE.rawValue }
            if ready.contains(.hangup) { flags |= DBUS_WATCH_HANGUP.rawValue }
            if ready.contains(.error) { flags |= DBUS_WATCH_ERROR.rawValue }
            dbus_watch_handle(watch, flags)
            dispatchAll()
        }
        dbus_watch_set_data(watch, Unmanaged.passRetained(SourceBox(source)).toOpaque(), nil)
    }

    private static func removeWatch(_ watch: OpaquePointer) {
        guard let data = dbus_watch_get_data(watch) else { return }
        dbus_watch_set_data(watch, nil, nil)
        Unmanaged<SourceBox>.fromOpaque(data).takeRetainedValue().source.cancel()
    }

    // MARK: timeouts

    private func addTimeout(_ timeout: OpaquePointer) {
        guard dbus_timeout_get_enabled(timeout) != 0 else { return }
        let interval = UInt32(max(0, dbus_timeout_get_interval(timeout)))
        let source = loop.addTimeout(milliseconds: interval) { [self] in
            dbus_timeout_handle(timeout)
            dispatchAll()
            return true
        }
        dbus_timeout_set_data(timeout, Unmanaged.passRetained(SourceBox(source)).toOpaque(), nil)
    }

    private static func removeTimeout(_ timeout: OpaquePointer) {
        guard let data = dbus_timeout_get_data(timeout) else { return }
        dbus_timeout_set_data(timeout, nil, nil)
        Unmanaged<SourceBox>.fromOpaque(data).takeRetainedValue().source.cancel()
    }
}

/// A loop source kept as a libdbus watch's or timeout's data, released when libdbus removes it.
final class SourceBox {
    let source: any EventSource
    init(_ source: any EventSource) { self.source = source }
}

extension Connection {
    /// Attaches the connection to `loop`: from now on, signals, method calls and async replies are
    /// dispatched there. A connection is attached to one loop at most.
    public func attach(to loop: any EventLoop) {
        if let loopGlue { loopGlue.detach() }
        let glue = LoopGlue(connection: raw, loop: loop)
        glue.owner = self
        loopGlue = glue
        glue.attach()
    }

    /// The loop this connection is attached to.
    public var mainLoop: (any EventLoop)? { loopGlue?.loop }
}
