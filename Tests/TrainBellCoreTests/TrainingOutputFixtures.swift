import Foundation
import TrainBellCore

/// Reading the recorded outputs in `Tests/Fixtures` (their sources are
/// listed in `Tests/Fixtures/README.md`) and feeding text to a recognizer.
enum TrainingOutputFixtures {
    /// `Tests/Fixtures`.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The raw bytes of a fixture file.
    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// What a new recognizer makes of `bytes`, fed in chunks of `chunkSize`
    /// bytes (all at once when nil), finished.
    static func observe(_ bytes: [UInt8], chunkSize: Int? = nil) -> [TrainingObservation] {
        var recognizer = TrainingOutputRecognizer()
        var observations: [TrainingObservation] = []
        let size = max(chunkSize ?? bytes.count, 1)
        var start = 0
        while start < bytes.count {
            let end = min(start + size, bytes.count)
            observations += recognizer.feed(bytes[start..<end])
            start = end
        }
        return observations + recognizer.finish()
    }

    /// What a new recognizer makes of `text`.
    static func observe(_ text: String, chunkSize: Int? = nil) -> [TrainingObservation] {
        observe(Array(text.utf8), chunkSize: chunkSize)
    }
}

extension Array where Element == TrainingObservation {
    /// The progress observations, as (current, total) pairs.
    var progress: [Progress] {
        compactMap {
            if case .progress(let current, let total) = $0 { Progress(current, total) } else { nil }
        }
    }

    /// The error observations.
    var errors: [(type: String, message: String, details: String)] {
        compactMap {
            if case .error(let type, let message, let details) = $0 { (type, message, details) } else { nil }
        }
    }

    /// The error types, in order.
    var errorTypes: [String] { errors.map(\.type) }

    /// The warning messages, in order.
    var warnings: [String] {
        compactMap { if case .warning(let message) = $0 { message } else { nil } }
    }

    /// The metrics observations.
    var metrics: [[String: Double]] {
        compactMap { if case .metrics(let values) = $0 { values } else { nil } }
    }
}

/// A progress position, written `Progress(420, 1000)` in expectations.
struct Progress: Equatable, CustomStringConvertible {
    var current: UInt64
    var total: UInt64?

    init(_ current: UInt64, _ total: UInt64?) {
        self.current = current
        self.total = total
    }

    var description: String { "\(current)/\(total.map(String.init) ?? "?")" }
}
