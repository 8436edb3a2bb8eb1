import Foundation
import Logging

/// The lines a `Logger` wrote, for tests that assert what was logged and how often.
final class CapturedLog: @unchecked Sendable {
    // @unchecked Sendable: `lines` is only touched while `condition` is locked.
    struct Line: Equatable, Sendable {
        var level: Logger.Level
        var message: String
    }

    private let condition = NSCondition()
    private var lines: [Line] = []

    var snapshot: [Line] {
        condition.lock()
        defer { condition.unlock() }
        return lines
    }

    /// A logger that writes here, from `level` up (every level unless told).
    func logger(label: String = "test", level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { _ in Handler(log: self) }
        logger.logLevel = level
        return logger
    }

    func append(_ line: Line) {
        condition.lock()
        lines.append(line)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until `predicate` holds for the lines, at most `seconds`; returns whether it held.
    func wait(seconds: Double = 10, until predicate: ([Line]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(lines) {
            if !condition.wait(until: deadline) { return predicate(lines) }
        }
        return true
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.append(Line(level: event.level, message: "\(event.message)"))
        }
    }
}
