import DBus

/// What passes between notification clients and a server on the bus, in the order it happened:
/// the calls a server receives and the signals it emits (Desktop Notifications spec 1.2).
public enum NotificationEvent: Sendable, Equatable {
    /// `Notify`; `returnedID` is filled in when the server answers.
    case notify(NotifyCall)
    /// `CloseNotification(u id)` called by a client.
    case closeNotification(id: UInt32)
    /// `NotificationClosed(u id, u reason)` emitted by the server.
    case notificationClosed(id: UInt32, reason: CloseReason)
    /// `ActionInvoked(u id, s action_key)` emitted by the server.
    case actionInvoked(id: UInt32, actionKey: String)
    /// `ActivationToken(u id, s activation_token)` emitted by the server (spec 1.2), before `ActionInvoked`.
    case activationToken(id: UInt32, token: String)

    /// The `Notify` call, when this is one.
    public var notifyCall: NotifyCall? { if case .notify(let call) = self { call } else { nil } }
}

/// The `reason` of `NotificationClosed`.
public enum CloseReason: Sendable, Equatable, Hashable {
    case expired, dismissedByUser, closedByCall, undefined
    /// A value outside the spec's 1–4.
    case other(UInt32)

    public init(rawValue: UInt32) {
        switch rawValue {
        case 1: self = .expired
        case 2: self = .dismissedByUser
        case 3: self = .closedByCall
        case 4: self = .undefined
        default: self = .other(rawValue)
        }
    }

    public var rawValue: UInt32 {
        switch self {
        case .expired: 1
        case .dismissedByUser: 2
        case .closedByCall: 3
        case .undefined: 4
        case .other(let value): value
        }
    }
}

/// Names of the freedesktop notification service.
public enum NotificationsBus {
    public static let name: BusName = "org.freedesktop.Notifications"
    public static let path: ObjectPath = "/org/freedesktop/Notifications"
    public static let interface: InterfaceName = "org.freedesktop.Notifications"
}
