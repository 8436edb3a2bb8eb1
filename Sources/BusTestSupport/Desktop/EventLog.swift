import Foundation

/// A list that one thread appends to while others read it and wait for what they expect.
final class EventLog<Element: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `elements` is only touched while `condition` is locked.
    private let condition = NSCondition()
    private var elements: [Element] = []

    var snapshot: [Element] {
        condition.lock()
        defer { condition.unlock() }
        return elements
    }

    func append(_ element: Element) { update { $0.append(element) } }

    /// Changes the elements under the lock and wakes the waiters.
    func update(_ body: (inout [Element]) -> Void) {
        condition.lock()
        body(&elements)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until `condition` holds for the elements or `seconds` pass; returns whether it held.
    func wait(seconds: Double, until predicate: ([Element]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(elements) {
            if !condition.wait(until: deadline) { return predicate(elements) }
        }
        return true
    }
}
