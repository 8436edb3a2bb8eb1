import BusTestSupport
import DBus
import Foundation
import Logging
import TrainBellDesktop

/// A Do Not Disturb source under test, on a connection of its own attached to a loop thread, as
/// the daemon runs one on its main loop. Records every `onChange` with the state it then reads,
/// and what the source logs.
final class SourceHarness<Source: DoNotDisturbSource>: @unchecked Sendable {
    // @unchecked Sendable: the source and the connection are only used on the loop thread (through
    // `sync`); `changes` locks itself.
    let thread = LoopThread()
    let log = CapturedLog()
    private let connection: Connection
    private let source: Source
    private let condition = NSCondition()
    private var changes: [Bool?] = []
    private var stopped = false

    /// Connects to `address` and makes the source with the connection and a capturing logger.
    init(address: String, make: @escaping (Connection, Logger) -> Source) throws {
        let loop = thread.loop
        let logger = log.logger(label: "trainbelld")
        let made = try thread.sync {
            let connection = try Connection(address: address)
            connection.attach(to: loop)
            return Unchecked((connection, make(connection, logger)))
        }
        (connection, source) = made.value
    }

    convenience init(bus: PrivateBus, make: @escaping (Connection, Logger) -> Source) throws {
        try self.init(address: bus.address, make: make)
    }

    /// Starts the source on its loop.
    func start() throws {
        try onLoop { source in
            source.start { [weak self, unowned source] in self?.changed(source.isActive) }
        }
    }

    private func changed(_ state: Bool?) {
        condition.lock()
        changes.append(state)
        condition.broadcast()
        condition.unlock()
    }

    /// The states read at each `onChange`, in order.
    var changeLog: [Bool?] {
        condition.lock()
        defer { condition.unlock() }
        return changes
    }

    /// Waits at most `seconds` until an `onChange` reports `expected`; returns whether one did
    /// (the state is then checked on the loop too).
    func waitForChange(to expected: Bool?, after count: Int = 0, seconds: Double = 10) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        while !(changes.count > count && changes.last == expected) {
            if !condition.wait(until: deadline) { break }
        }
        let reported = changes.count > count && changes.last == expected
        condition.unlock()
        return try reported && isActive == expected
    }

    /// `isActive`, read on the loop.
    var isActive: Bool? {
        get throws { try onLoop { $0.isActive } }
    }

    /// Runs `body` with the source on the loop thread and waits for it.
    func onLoop<T>(_ body: @escaping (Source) throws -> T) throws -> T {
        let source = Unchecked(source)
        return try thread.sync { Unchecked(try body(source.value)) }.value
    }

    /// A round trip to the bus from the source's loop: when it returns, everything that reached the
    /// source's connection before the bus's answer has been dispatched (libdbus dispatches in order).
    func settle(seconds: Double = 10) throws {
        let answered = DispatchSemaphore(value: 0)
        let connection = Unchecked(connection)
        try thread.sync {
            connection.value.callAsync(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                                       interface: .peer, member: "Ping") { _ in answered.signal() }
        }
        guard answered.wait(timeout: .now() + seconds) == .success else {
            throw BusError(.noReply, "the bus did not answer Ping within \(seconds) s")
        }
    }

    /// Stops the source, closes the connection and the loop.
    func stop() {
        guard !stopped else { return }
        stopped = true
        try? onLoop { $0.stop() }
        let connection = Unchecked(connection)
        try? thread.sync { connection.value.close() }
        thread.stop()
    }

    deinit { stop() }
}
