import Foundation

/// Runs `body(0)` … `body(count - 1)` each on a thread of its own, all at once, and waits for every one
/// to end. Unlike `DispatchQueue.concurrentPerform`, which runs as many at a time as there are cores,
/// every body really runs concurrently with the others: 50 clients are 50 clients, also on 2 cores.
/// Returns what each body returned, in index order.
public func runConcurrently<T: Sendable>(_ count: Int, stackSize: Int = 1 << 20,
                                         _ body: @escaping @Sendable (Int) -> T) -> [T] {
    let results = ConcurrentResults<T>(count: count)
    let finished = DispatchGroup()
    // Every thread waits for this start line, so the bodies begin together.
    let start = DispatchSemaphore(value: 0)
    for index in 0..<count {
        finished.enter()
        let thread = Thread {
            start.wait()
            results.set(index, body(index))
            finished.leave()
        }
        thread.stackSize = stackSize
        thread.start()
    }
    for _ in 0..<count { start.signal() }
    finished.wait()
    return results.values
}

/// One slot per thread, written once each under a lock.
private final class ConcurrentResults<T: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `slots` is only touched while `lock` is held.
    private let lock = NSLock()
    private var slots: [T?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: T) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    var values: [T] {
        lock.lock()
        defer { lock.unlock() }
        return slots.compactMap { $0 }
    }
}
