/// A value from outside (the bus, the command line, the configuration) that
/// trainbell does not accept.
///
/// The message names the bad value and says what is accepted, so that it can
/// be shown to the user as it is (the daemon answers it as
/// `org.trainbell.TrainBell1.Error.InvalidArgument`).
public struct ValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong and what is accepted, as one sentence for a person.
    public let message: String

    /// Creates an error with a message for a person.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
