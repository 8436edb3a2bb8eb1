/// Why a message from the broker was not taken: each is logged (rate-limited) and counted, never
/// fatal. `code` names the kind for the counters; `description` says what was wrong.
public struct RemoteEventRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, CaseIterable {
        case tooLarge = "too-large"
        case malformed
        case wrongVersion = "wrong-version"
        case badField = "bad-field"
        case unknownEvent = "unknown-event"
        case wrongTopic = "wrong-topic"
        case duplicate
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }

    static func missing(_ field: String, _ expected: String) -> RemoteEventRefusal {
        RemoteEventRefusal(.badField, "field '\(field)' is missing or not \(expected)")
    }
}
