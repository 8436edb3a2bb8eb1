/// A button on a notification: the key the server reports back in
/// `ActionInvoked` and the label the user sees.
public struct NotificationAction: Sendable, Hashable, Codable {
    /// The identifier reported when the user clicks the action.
    public var key: String
    /// The text on the button.
    public var label: String

    /// Creates an action.
    public init(key: String, label: String) {
        self.key = key
        self.label = label
    }

    /// Opens the full error text.
    public static let details = NotificationAction(key: "details", label: "View Details")
    /// Runs the configured retry command.
    public static let retry = NotificationAction(key: "retry", label: "Retry")
}
