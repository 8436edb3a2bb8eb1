import CDBus
import Glibc
import Synchronization

/// Unix signals for ``PollLoop``s: a handler that only notes the signal and writes a byte to a pipe
/// (all a signal handler may safely do), and the loops that have signal sources poll the pipe's
/// read end. Whichever loop reads it hands each signal to every source waiting for it, in any loop.
///
/// The first source of a signal installs the handler; when the last one goes, the disposition the
/// process had before comes back (so Ctrl-C ends the process again once nothing waits for it).
enum UnixSignalRelay {
    /// One bit per signal (1…64) that arrived and was not handed out yet.
    private static let pending = Atomic<UInt64>(0)
    /// The pipe's write end, for the handler (-1 until the first signal source).
    private static let writeFD = Atomic<Int32>(-1)

    private struct Registry: @unchecked Sendable {
        // @unchecked Sendable: `sigaction` holds a C function pointer; the registry is only touched
        // under its Mutex.
        var readFD: Int32 = -1
        var sources: [Int32: [PollSource]] = [:]
        var previous: [Int32: sigaction] = [:]
    }

    private static let registry = Mutex(Registry())

    /// The read end the loops poll, or nil when the pipe cannot be made (no signals then).
    static var readFD: Int32? {
        registry.withLock { $0.readFD >= 0 ? $0.readFD : nil }
    }

    /// Starts handing `signal` to `source`; false when the signal cannot be caught.
    static func register(_ source: PollSource, signal: Int32) -> Bool {
        guard signal > 0 && signal <= 64 else { return false }
        return registry.withLock { registry in
            if registry.readFD < 0 {
                var fds: [Int32] = [-1, -1]
                guard tb_pipe_nonblocking(&fds) == 0 else { return false }
                registry.readFD = fds[0]
                writeFD.store(fds[1], ordering: .releasing)
            }
            if registry.sources[signal, default: []].isEmpty {
                // The handler must not be the first to touch a global (its lazy initialisation takes a lock).
                _ = pending.load(ordering: .relaxed)
                var action = sigaction()
                action.__sigaction_handler.sa_handler = handler
                action.sa_flags = SA_RESTART | SA_NOCLDSTOP
                sigemptyset(&action.sa_mask)
                var old = sigaction()
                guard sigaction(signal, &action, &old) == 0 else { return false }
                registry.previous[signal] = old
            }
            registry.sources[signal, default: []].append(source)
            return true
        }
    }

    /// Stops handing signals to `source`; restores the earlier disposition after the last one.
    static func unregister(_ source: PollSource) {
        guard case .signal(let signal, _) = source.kind else { return }
        registry.withLock { registry in
            guard var list = registry.sources[signal], let index = list.firstIndex(where: { $0 === source }) else { return }
            list.remove(at: index)
            registry.sources[signal] = list.isEmpty ? nil : list
            if list.isEmpty, var old = registry.previous.removeValue(forKey: signal) {
                sigaction(signal, &old, nil)
            }
        }
    }

    /// Empties the pipe and hands what arrived to the waiting sources (on a loop's thread).
    static func drain() {
        let fd = registry.withLock { $0.readFD }
        guard fd >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(fd, &buffer, buffer.count) > 0 {}
        let arrived = pending.exchange(0, ordering: .acquiringAndReleasing)
        guard arrived != 0 else { return }
        let sources = registry.withLock { registry in
            (1...64).filter { arrived & (UInt64(1) << UInt64($0 - 1)) != 0 }.flatMap { registry.sources[Int32($0)] ?? [] }
        }
        for source in sources { source.signalArrived() }
    }

    /// Async-signal-safe: an atomic or and a write; errno is kept for the code it interrupted.
    private static let handler: @convention(c) (Int32) -> Void = { signal in
        let saved = errno
        if signal > 0 && signal <= 64 {
            pending.bitwiseOr(UInt64(1) << UInt64(signal - 1), ordering: .acquiringAndReleasing)
        }
        var byte: UInt8 = 0
        _ = write(writeFD.load(ordering: .acquiring), &byte, 1)
        errno = saved
    }
}
