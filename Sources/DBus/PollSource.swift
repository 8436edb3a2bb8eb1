import Synchronization

/// One timer, idle, signal or descriptor source of a ``PollLoop``.
final class PollSource: EventSource, @unchecked Sendable {
    // @unchecked Sendable: `id`, `kind` and `loop` never change after init; the handler in `kind` is
    // only ever called on the loop's thread (the loop marks a source busy while it runs it); `cancelled`
    // is atomic, and the loop's `remove` is safe from any thread.

    enum Kind {
        /// Fires every `interval` nanoseconds while the handler returns true.
        case timer(interval: UInt64, () -> Bool)
        case idle(() -> Bool)
        case signal(Int32, () -> Bool)
        case watch(fd: Int32, events: FileEvents, (FileEvents) -> Void)
    }

    let id: UInt64
    let kind: Kind
    private weak let loop: PollLoop?
    private let cancelled = Atomic<Bool>(false)

    init(id: UInt64, kind: Kind, loop: PollLoop) {
        self.id = id
        self.kind = kind
        self.loop = loop
    }

    func cancel() {
        guard markGone() else { return }
        if case .signal = kind { UnixSignalRelay.unregister(self) }
        loop?.remove(self)
    }

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// Marks the source gone; returns whether it was still there (only the first caller tidies up).
    func markGone() -> Bool {
        !cancelled.exchange(true, ordering: .acquiringAndReleasing)
    }

    /// Tells the loop that this source's signal arrived (from whichever loop read the signal pipe).
    func signalArrived() {
        loop?.signalArrived(self)
    }
}
