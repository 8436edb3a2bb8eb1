/// An event loop a `Connection` can be attached to (DESIGN.md section 8).
///
/// The bus layer needs only this much of a loop, so that a process picks the loop it links: the daemon
/// runs GLib's (`DBusGLib.MainLoop`, because GSettings signals live on GLib's context), the command
/// line runs ``PollLoop`` and never maps GLib. Everything runs on the thread that runs the loop,
/// except what says it is safe from any thread.
public protocol EventLoop: AnyObject, Sendable {
    /// Runs until `quit`.
    func run()

    /// Stops `run`; safe from any thread.
    func quit()

    /// Whether `run` is running.
    var isRunning: Bool { get }

    /// One iteration; returns whether something was dispatched.
    @discardableResult
    func iterate(mayBlock: Bool) -> Bool

    /// Runs iterations until `condition` holds or `seconds` pass; returns whether it held.
    /// For command-line tools and tests that wait for one answer or signal.
    @discardableResult
    func run(until condition: () -> Bool, timeout seconds: Double) -> Bool

    /// Calls `handler` after `milliseconds`, again and again while it returns true.
    @discardableResult
    func addTimeout(milliseconds: UInt32, _ handler: @escaping () -> Bool) -> EventSource

    /// Calls `handler` after `seconds`, again and again while it returns true (a loop may batch
    /// second-granular wake-ups).
    @discardableResult
    func addTimeout(seconds: UInt32, _ handler: @escaping () -> Bool) -> EventSource

    /// Calls `handler` when the loop has nothing else to do, while it returns true.
    @discardableResult
    func addIdle(_ handler: @escaping () -> Bool) -> EventSource

    /// Calls `handler` on the loop when the process receives `signal` (SIGHUP, SIGTERM, SIGINT…),
    /// while it returns true.
    @discardableResult
    func addUnixSignal(_ signal: Int32, _ handler: @escaping () -> Bool) -> EventSource

    /// Calls `handler` with what happened each time `fd` is ready for one of `events` (hang-ups and
    /// errors are always reported), until the source is cancelled. The loop never closes `fd`.
    @discardableResult
    func watch(fd: Int32, for events: FileEvents, _ handler: @escaping (FileEvents) -> Void) -> EventSource

    /// Runs `block` on the loop's thread; safe from any thread.
    func invoke(_ block: @escaping @Sendable () -> Void)

    /// Makes a loop blocked in another thread look at its sources again (libdbus queued a message
    /// there); safe from any thread, and free on the loop's own thread, which returns to the loop anyway.
    func wakeUp()
}

/// What a descriptor is ready for (or what a watch waits for).
public struct FileEvents: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let readable = FileEvents(rawValue: 1 << 0)
    public static let writable = FileEvents(rawValue: 1 << 1)
    /// The peer hung up (reported whether asked for or not).
    public static let hangup = FileEvents(rawValue: 1 << 2)
    /// An error on the descriptor, or it is not open (reported whether asked for or not).
    public static let error = FileEvents(rawValue: 1 << 3)
}

/// A timer, idle, signal or descriptor source on an `EventLoop`; `cancel` removes it. Dropping the
/// handle does not: a source lives until it is cancelled or its handler says it is done.
public protocol EventSource: AnyObject, Sendable {
    /// Removes the source; its handler is not called again. Safe from any thread, and more than once.
    func cancel()

    /// Whether the source is gone (cancelled, or its handler returned false).
    var isCancelled: Bool { get }
}
