import CDBus
import CGio
import Synchronization

/// Attaches a libdbus connection to a GLib main context (DESIGN.md section 8): libdbus's watches
/// become unix-fd GSources, its timeouts GLib timeouts, and pending messages are dispatched from an idle
/// source. Nothing polls: an idle connection has no source that wakes up.
final class LoopGlue: @unchecked Sendable {
    // @unchecked Sendable: libdbus may call the watch/timeout/status functions from any thread that
    // uses the connection; they only attach or destroy GSources (thread-safe in GLib) and flip an atomic.
    let connection: OpaquePointer
    let loop: MainLoop
    private let dispatchScheduled = Atomic<Bool>(false)
    private var dispatching = false
    /// The connection's `afterDispatch`, read on the loop.
    weak var owner: Connection?

    /// Holds a reference of its own: an idle dispatch may still be scheduled after the `Connection` is freed.
    init(connection: OpaquePointer, loop: MainLoop) {
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
        // awake already and returns to the loop, which writes it: only another thread must wake it
        // (an eventfd write and one more loop iteration per signal, otherwise).
        dbus_connection_set_wakeup_main_function(connection, { data in
            guard let data else { return }
            let context = Unmanaged<LoopGlue>.fromOpaque(data).takeUnretainedValue().loop.context
            if g_main_context_is_owner(context) == 0 { g_main_context_wakeup(context) }
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

    func scheduleDispatch() {
        guard !dispatchScheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let source = g_idle_source_new()!
        let me = Unmanaged.passRetained(self).toOpaque()
        g_source_set_callback(source, { data in
            guard let data else { return 0 }
            Unmanaged<LoopGlue>.fromOpaque(data).takeUnretainedValue().dispatchAll()
            return 0
        }, me, { data in
            if let data { Unmanaged<LoopGlue>.fromOpaque(data).release() }
        })
        g_source_attach(source, loop.context)
        g_source_unref(source)
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
        var condition = G_IO_HUP.rawValue | G_IO_ERR.rawValue
        if flags & DBUS_WATCH_READABLE.rawValue != 0 { condition |= G_IO_IN.rawValue }
        if flags & DBUS_WATCH_WRITABLE.rawValue != 0 { condition |= G_IO_OUT.rawValue }
        guard let source = g_unix_fd_source_new(dbus_watch_get_unix_fd(watch), GIOCondition(rawValue: condition))
        else { return }
        let box = Unmanaged.passRetained(WatchBox(watch: watch, glue: self)).toOpaque()
        tb_unix_fd_source_set_callback(source, { _, condition, data in
            guard let data else { return 0 }
            let box = Unmanaged<WatchBox>.fromOpaque(data).takeUnretainedValue()
            var flags: UInt32 = 0
            if condition.rawValue & G_IO_IN.rawValue != 0 { flags |= DBUS_WATCH_READABLE.rawValue }
            if condition.rawValue & G_IO_OUT.rawValue != 0 { flags |= DBUS_WATCH_WRITABLE.rawValue }
            if condition.rawValue & G_IO_HUP.rawValue != 0 { flags |= DBUS_WATCH_HANGUP.rawValue }
            if condition.rawValue & G_IO_ERR.rawValue != 0 { flags |= DBUS_WATCH_ERROR.rawValue }
            let glue = box.glue
            dbus_watch_handle(box.watch, flags)
            glue.dispatchAll()
            return 1
        }, box, { data in
            if let data { Unmanaged<WatchBox>.fromOpaque(data).release() }
        })
        g_source_attach(source, loop.context)
        dbus_watch_set_data(watch, UnsafeMutableRawPointer(source), nil)
    }

    private static func removeWatch(_ watch: OpaquePointer) {
        guard let data = dbus_watch_get_data(watch) else { return }
        let source = data.assumingMemoryBound(to: GSource.self)
        g_source_destroy(source)
        g_source_unref(source)
        dbus_watch_set_data(watch, nil, nil)
    }

    // MARK: timeouts

    private func addTimeout(_ timeout: OpaquePointer) {
        guard dbus_timeout_get_enabled(timeout) != 0 else { return }
        let interval = UInt32(max(0, dbus_timeout_get_interval(timeout)))
        guard let source = g_timeout_source_new(interval) else { return }
        let box = Unmanaged.passRetained(TimeoutBox(timeout: timeout, glue: self)).toOpaque()
        g_source_set_callback(source, { data in
            guard let data else { return 0 }
            let box = Unmanaged<TimeoutBox>.fromOpaque(data).takeUnretainedValue()
            let glue = box.glue
            dbus_timeout_handle(box.timeout)
            glue.dispatchAll()
            return 1
        }, box, { data in
            if let data { Unmanaged<TimeoutBox>.fromOpaque(data).release() }
        })
        g_source_attach(source, loop.context)
        dbus_timeout_set_data(timeout, UnsafeMutableRawPointer(source), nil)
    }

    private static func removeTimeout(_ timeout: OpaquePointer) {
        guard let data = dbus_timeout_get_data(timeout) else { return }
        let source = data.assumingMemoryBound(to: GSource.self)
        g_source_destroy(source)
        g_source_unref(source)
        dbus_timeout_set_data(timeout, nil, nil)
    }
}

/// What a watch's GSource needs when its descriptor is ready.
final class WatchBox {
    let watch: OpaquePointer
    let glue: LoopGlue
    init(watch: OpaquePointer, glue: LoopGlue) {
        self.watch = watch
        self.glue = glue
    }
}

/// What a timeout's GSource needs when it fires.
final class TimeoutBox {
    let timeout: OpaquePointer
    let glue: LoopGlue
    init(timeout: OpaquePointer, glue: LoopGlue) {
        self.timeout = timeout
        self.glue = glue
    }
}

extension Connection {
    /// Attaches the connection to `loop`: from now on, signals, method calls and async replies are
    /// dispatched there. A connection is attached to one loop at most.
    public func attach(to loop: MainLoop) {
        if let loopGlue { loopGlue.detach() }
        let glue = LoopGlue(connection: raw, loop: loop)
        glue.owner = self
        loopGlue = glue
        glue.attach()
    }

    /// The loop this connection is attached to.
    public var mainLoop: MainLoop? { loopGlue?.loop }
}
