/// A part of the harness could not be set up; the message says what happened and what the tool logged.
public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
