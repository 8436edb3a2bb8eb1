import CDBus

/// Flags of `RequestName`.
public struct NameRequestFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Another connection may take the name over with `replaceExisting`.
    public static let allowReplacement = NameRequestFlags(rawValue: 0x1)
    /// Take the name over from an owner that allowed replacement.
    public static let replaceExisting = NameRequestFlags(rawValue: 0x2)
    /// Fail instead of waiting in the queue.
    public static let doNotQueue = NameRequestFlags(rawValue: 0x4)
}

/// What the bus answered to `RequestName`.
public enum NameRequestResult: UInt32, Sendable {
    case primaryOwner = 1
    case inQueue = 2
    case exists = 3
    case alreadyOwner = 4
}

extension Connection {
    /// Asks the bus for a well-known name.
    public func requestName(_ name: BusName, flags: NameRequestFlags = [.doNotQueue]) throws(BusError) -> NameRequestResult {
        var error = DBusError()
        dbus_error_init(&error)
        let result = dbus_bus_request_name(raw, name.rawValue, flags.rawValue, &error)
        if result < 0 || dbus_error_is_set(&error) != 0 {
            throw BusError.take(&error, fallback: "cannot request the name \(name)")
        }
        guard let r = NameRequestResult(rawValue: UInt32(result)) else {
            throw BusError(.failed, "the bus answered RequestName with the unknown code \(result)")
        }
        return r
    }

    /// Gives a name back.
    public func releaseName(_ name: BusName) throws(BusError) {
        var error = DBusError()
        dbus_error_init(&error)
        if dbus_bus_release_name(raw, name.rawValue, &error) < 0 {
            throw BusError.take(&error, fallback: "cannot release the name \(name)")
        }
    }

    /// The unique name owning `name`, or nil.
    public func nameOwner(_ name: BusName) -> String? {
        try? call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: .bus,
                  member: "GetNameOwner", [.string(name.rawValue)], timeout: 5).first?.stringValue
    }

    /// The process id of the connection owning `name` (a unique or well-known name), or nil.
    public func processID(of name: String) -> UInt32? {
        guard let values = try? call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                                     interface: .bus, member: "GetConnectionUnixProcessID",
                                     [.string(name)], timeout: 5),
              case .uint32(let pid)? = values.first else { return nil }
        return pid
    }
}
