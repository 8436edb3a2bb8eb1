import DBus
import Glibc
import TrainBellAPI

/// Sends one `trainbell send` notification and does what notify-send does around it, in its order: the
/// server's capabilities when actions are asked for, the notification (through trainbelld, else directly),
/// the id for `-p`, then the wait for `-w` / `-A`. Returns the exit status.
struct NotifySendDelivery {
    let arguments: NotifySendArguments

    func run() -> Int32 {
        let connection: Connection
        do {
            connection = try Connection.session()
        } catch {
            printError("Could not connect: \(error.message)")
            return 1
        }
        // notify-send's order: the hints (stopping at the first bad one), then the actions.
        let built = Result { () throws(NotifySendUsageError) in
            try NotifySendNotification(arguments, actions: [], senderPID: Int64(getpid()))
        }
        if case .failure(let error) = built { printError(error.message) }
        var failed = false
        var wait = arguments.wait
        var actions: [(key: String, label: String)] = []
        if !arguments.actions.isEmpty {
            if Self.capabilities(connection).contains(where: { $0.asciiLowercased == "actions" }) {
                actions = NotifySendNotification.actions(arguments.actions)
                if !actions.isEmpty { wait = true }
            } else {
                printError("Actions are not supported by this notifications server. Displaying non-interactively.")
                failed = true
            }
        }
        guard case .success(var notification) = built else {
            // notify-send shows nothing then, still prints the id it has (the one to replace), and fails.
            // (It would also wait, forever, when -w or -A asked for it.)
            printID(UInt32(max(0, arguments.replaceID)))
            return 1
        }
        notification.actions = actions
        let waiter = wait ? try? NotifySendWaiter(connection: connection, actionKeys: actions.map(\.key)) : nil

        var id = notification.replacesID
        var shown = false
        switch Self.send(notification, on: connection) {
        case .success(let serverID):
            id = serverID
            shown = true
        case .failure(let error):
            printError("GDBus.Error:\(error.name.rawValue): \(error.message)")
            failed = true
        }
        printID(id)
        // notify-send would wait forever for a notification that was not shown; an id of 0 means trainbelld
        // held it back (Do Not Disturb) or had no server: nothing will ever close it either.
        if let waiter, shown, id != 0 {
            waiter.wait(for: id, expireTimeout: arguments.expireTimeout)
        }
        return failed ? 1 : 0
    }

    private func printID(_ id: UInt32) {
        guard arguments.printID else { return }
        print(Int32(truncatingIfNeeded: id))
        fflush(nil)
    }

    /// Through trainbelld's `Send` when it can be reached (starting it by D-Bus activation when installed),
    /// else `Notify` on the server itself. Returns the server's id.
    static func send(_ notification: NotifySendNotification, on connection: Connection) -> Result<UInt32, BusError> {
        do {
            let sent = try TrainBellClient(connection: connection).call(TrainBell1.send, notification.summary, notification.body,
                                                                        notification.sendOptions)
            return .success(sent.value)
        } catch where daemonUnreachable(error) {
            // Not installed, not running, not activatable: the server itself, as notify-send.
        } catch {
            return .failure(error)
        }
        do {
            let reply = try connection.call(destination: NotifySendWaiter.server, path: NotifySendWaiter.serverPath,
                                            interface: NotifySendWaiter.serverInterface, member: "Notify",
                                            notification.notifyArguments, timeout: 25)
            guard case .uint32(let id)? = reply.first else {
                return .failure(BusError(.invalidArgs, "Unexpected reply type"))
            }
            return .success(id)
        } catch {
            return .failure(error)
        }
    }

    /// Errors that mean "no trainbelld here", as opposed to trainbelld refusing the notification.
    static func daemonUnreachable(_ error: BusError) -> Bool {
        switch error.name {
        case .serviceUnknown, .nameHasNoOwner, .unknownMethod, .unknownObject, .unknownInterface: true
        default: error.name.rawValue.hasPrefix("org.freedesktop.DBus.Error.Spawn.")
        }
    }

    /// `GetCapabilities` of the server (none when it cannot be asked), as notify-send asks before actions.
    static func capabilities(_ connection: Connection) -> [String] {
        let reply = try? connection.call(destination: NotifySendWaiter.server, path: NotifySendWaiter.serverPath,
                                         interface: NotifySendWaiter.serverInterface, member: "GetCapabilities")
        return reply?.first?.arrayItems?.compactMap(\.stringValue) ?? []
    }
}
