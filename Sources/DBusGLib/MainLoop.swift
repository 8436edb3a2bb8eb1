import CGio
import DBus
import Glibc

/// One GLib main loop: the only event loop of the daemon (DESIGN.md section 8).
///
/// D-Bus connections, GSettings change signals, Unix signals and timers all live on its context,
/// so an idle process has no wake-ups at all. It lives apart from `DBus` so that a process that needs
/// no GLib (the command line, on `PollLoop`) does not link it.
public final class MainLoop: EventLoop, @unchecked Sendable {
    // @unchecked Sendable: GMainContext and GMainLoop are thread-safe in GLib; `quit`, `invoke`,
    // `wakeUp` and attaching sources may be called from any thread, everything else runs on the
    // thread that runs the loop.
    let context: OpaquePointer
    private let loop: OpaquePointer

    /// The process's default context: the one GSettings signals and `g_unix_signal_add` use.
    public static let `default` = MainLoop(context: g_main_context_default())

    /// A loop on a context of its own (tests run a service on another thread this way).
    public convenience init() {
        self.init(context: g_main_context_new(), owned: true)
    }

    private init(context: OpaquePointer, owned: Bool = false) {
        if !owned { g_main_context_ref(context) }
        self.context = context
        self.loop = g_main_loop_new(context, 0)
    }

    deinit {
        g_main_loop_unref(loop)
        g_main_context_unref(context)
    }

    /// Runs until `quit`. The context is the thread-default while it runs.
    public func run() {
        g_main_context_push_thread_default(context)
        defer { g_main_context_pop_thread_default(context) }
        g_main_loop_run(loop)
    }

    /// Stops `run`; safe from any thread.
    public func quit() {
        g_main_loop_quit(loop)
        g_main_context_wakeup(context)
    }

    public var isRunning: Bool { g_main_loop_is_running(loop) != 0 }

    /// One iteration; returns whether something was dispatched.
    @discardableResult
    public func iterate(mayBlock: Bool) -> Bool {
        g_main_context_iteration(context, mayBlock ? 1 : 0) != 0
    }

    /// Runs iterations until `condition` holds or `seconds` pass; returns whether it held.
    /// For command-line tools and tests that wait for one answer or signal.
    @discardableResult
    public func run(until condition: () -> Bool, timeout seconds: Double) -> Bool {
        if condition() { return true }
        g_main_context_push_thread_default(context)
        defer { g_main_context_pop_thread_default(context) }
        var expired = false
        let timer = addTimeout(milliseconds: UInt32(max(0, min(seconds * 1000, Double(UInt32.max))))) {
            expired = true
            return false
        }
        defer { timer.cancel() }
        while !condition() && !expired { g_main_context_iteration(context, 1) }
        return condition()
    }

    /// Calls `handler` after `milliseconds`, again and again while it returns true.
    @discardableResult
    public func addTimeout(milliseconds: UInt32, _ handler: @escaping () -> Bool) -> EventSource {
        attach(g_timeout_source_new(milliseconds), handler)
    }

    /// Calls `handler` after `seconds` (second-granular timers let GLib batch wake-ups).
    @discardableResult
    public func addTimeout(seconds: UInt32, _ handler: @escaping () -> Bool) -> EventSource {
        attach(g_timeout_source_new_seconds(seconds), handler)
    }

    /// Calls `handler` when the loop has nothing else to do, while it returns true.
    @discardableResult
    public func addIdle(_ handler: @escaping () -> Bool) -> EventSource {
        attach(g_idle_source_new(), handler)
    }

    /// Calls `handler` on the loop when the process receives `signal` (SIGHUP, SIGTERM, SIGINT…).
    @discardableResult
    public func addUnixSignal(_ signal: Int32, _ handler: @escaping () -> Bool) -> EventSource {
        attach(g_unix_signal_source_new(signal), handler)
    }

    /// A unix-fd GSource for `fd`; hang-ups and errors are always asked for.
    @discardableResult
    public func watch(fd: Int32, for events: FileEvents, _ handler: @escaping (FileEvents) -> Void) -> EventSource {
        var condition = G_IO_HUP.rawValue | G_IO_ERR.rawValue
        if events.contains(.readable) { condition |= G_IO_IN.rawValue }
        if events.contains(.writable) { condition |= G_IO_OUT.rawValue }
        guard let source = g_unix_fd_source_new(fd, GIOCondition(rawValue: condition)) else {
            fatalError("GLib could not create a unix-fd source")
        }
        let box = Unmanaged.passRetained(WatchBox(handler)).toOpaque()
        tb_unix_fd_source_set_callback(source, { _, condition, data in
            guard let data else { return 0 }
            var ready: FileEvents = []
            if condition.rawValue & G_IO_IN.rawValue != 0 { ready.insert(.readable) }
            if condition.rawValue & G_IO_OUT.rawValue != 0 { ready.insert(.writable) }
            if condition.rawValue & G_IO_HUP.rawValue != 0 { ready.insert(.hangup) }
            if condition.rawValue & (G_IO_ERR.rawValue | G_IO_NVAL.rawValue) != 0 { ready.insert(.error) }
            Unmanaged<WatchBox>.fromOpaque(data).takeUnretainedValue().handler(ready)
            return 1
        }, box, { data in
            if let data { Unmanaged<WatchBox>.fromOpaque(data).release() }
        })
        g_source_attach(source, context)
        return GLibSource(source)
    }

    /// Runs `block` on the loop's thread; safe from any thread.
    public func invoke(_ block: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(CallbackBox { block(); return false }).toOpaque()
        g_main_context_invoke_full(context, G_PRIORITY_DEFAULT, { data in
            guard let data else { return 0 }
            return Unmanaged<CallbackBox>.fromOpaque(data).takeUnretainedValue().handler() ? 1 : 0
        }, box, { data in
            if let data { Unmanaged<CallbackBox>.fromOpaque(data).release() }
        })
    }

    /// Wakes the context when another thread owns it (its owner returns to the loop anyway).
    public func wakeUp() {
        if g_main_context_is_owner(context) == 0 { g_main_context_wakeup(context) }
    }

    private func attach(_ source: UnsafeMutablePointer<GSource>?, _ handler: @escaping () -> Bool) -> EventSource {
        guard let source else { fatalError("GLib could not create a source") }
        let box = Unmanaged.passRetained(CallbackBox(handler)).toOpaque()
        g_source_set_callback(source, { data in
            guard let data else { return 0 }
            return Unmanaged<CallbackBox>.fromOpaque(data).takeUnretainedValue().handler() ? 1 : 0
        }, box, { data in
            if let data { Unmanaged<CallbackBox>.fromOpaque(data).release() }
        })
        g_source_attach(source, context)
        return GLibSource(source)
    }
}

/// A closure kept alive by a GLib source and released by its destroy notify.
final class CallbackBox {
    let handler: () -> Bool
    init(_ handler: @escaping () -> Bool) { self.handler = handler }
}

/// A descriptor watch's closure, kept alive by its unix-fd source.
final class WatchBox {
    let handler: (FileEvents) -> Void
    init(_ handler: @escaping (FileEvents) -> Void) { self.handler = handler }
}

/// A source on a `MainLoop`; `cancel` removes it. Dropping it does not.
final class GLibSource: EventSource, @unchecked Sendable {
    // @unchecked Sendable: g_source_destroy and g_source_is_destroyed are thread-safe.
    private let source: UnsafeMutablePointer<GSource>

    init(_ source: UnsafeMutablePointer<GSource>) { self.source = source }

    deinit { g_source_unref(source) }

    func cancel() { g_source_destroy(source) }

    var isCancelled: Bool { g_source_is_destroyed(source) != 0 }
}
