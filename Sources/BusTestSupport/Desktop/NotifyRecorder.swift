import DBus
import Foundation

/// Watches a private bus as a monitor (`BecomeMonitor`) and records the notification traffic on it: every
/// `Notify` call with the id the server returned, `CloseNotification` calls, and the `NotificationClosed`,
/// `ActionInvoked` and `ActivationToken` signals, whoever sends them to whomever (unicast included).
///
/// It runs on a loop thread of its own; every accessor may be called from the test's thread.
public final class NotifyRecorder: @unchecked Sendable {
    // @unchecked Sendable: the connection is only touched on `thread`; `log` locks itself.
    private let thread = LoopThread()
    private var connection: Connection?
    private let log = EventLog<RecordedEvent>()

    /// Starts recording; everything sent on `bus` after this returns is seen.
    public convenience init(bus: PrivateBus) throws {
        try self.init(address: bus.address)
    }

    /// Records on any bus, such as the desktop session's (for the demo).
    public init(address: String) throws {
        let connection = try thread.connect(address: address)
        let tracker = ReplyTracker(log: log)
        do {
            try thread.sync {
                connection.messageObserver = { tracker.observe($0) }
                try connection.becomeMonitor([
                    "type='method_call',interface='\(NotificationsBus.interface)'",
                    "type='signal',interface='\(NotificationsBus.interface)'",
                    "type='method_return'",
                    "type='error'",
                ])
            }
        } catch {
            thread.close(connection)
            throw error
        }
        self.connection = connection
    }

    /// Everything recorded so far, in bus order.
    public var events: [NotificationEvent] { log.snapshot.map(\.event) }

    /// The `Notify` calls recorded so far.
    public var notifies: [NotifyCall] { events.compactMap(\.notifyCall) }

    /// Waits until at least `count` `Notify` calls were made and answered (with an id or an error), at most
    /// `timeout` seconds; returns the calls recorded by then (fewer when it timed out).
    @discardableResult
    public func waitForNotifies(count: Int, timeout: Double = 10) -> [NotifyCall] {
        _ = log.wait(seconds: timeout) { events in
            let notifies = events.filter { $0.event.notifyCall != nil }
            return notifies.count >= count && notifies.prefix(count).allSatisfy(\.answered)
        }
        return notifies
    }

    /// Waits at most `timeout` seconds for an event that satisfies `predicate`; returns the first such one.
    @discardableResult
    public func waitForEvent(timeout: Double = 10, where predicate: (NotificationEvent) -> Bool) -> NotificationEvent? {
        _ = log.wait(seconds: timeout) { $0.contains { predicate($0.event) } }
        return events.first(where: predicate)
    }

    /// Waits at most `timeout` seconds until `predicate` holds for all events so far; returns whether it did.
    /// `predicate` runs with the log locked: it must look only at the events it is given, never call back
    /// into the recorder (`notifies`, `events`), which would wait for that lock forever.
    public func wait(timeout: Double = 10, until predicate: ([NotificationEvent]) -> Bool) -> Bool {
        log.wait(seconds: timeout) { predicate($0.map(\.event)) }
    }

    /// Stops monitoring and closes the connection. Also done when the recorder is dropped.
    public func stop() {
        guard let connection else { return }
        self.connection = nil
        thread.close(connection)
    }

    deinit { stop() }
}

/// An event and, for a `Notify` call, whether its answer was seen.
struct RecordedEvent: Sendable {
    var event: NotificationEvent
    var answered: Bool
}

/// Turns monitored messages into events; pairs a `Notify` call with its reply by (caller, serial).
/// Used on the recorder's loop thread only.
private final class ReplyTracker {
    private struct CallKey: Hashable {
        let caller: String
        let serial: UInt32
    }

    private let log: EventLog<RecordedEvent>
    /// Unanswered `Notify` calls: their index in the log.
    private var pending: [CallKey: Int] = [:]

    init(log: EventLog<RecordedEvent>) { self.log = log }

    func observe(_ message: Message) {
        switch message.kind {
        case .methodCall:
            guard message.interface == NotificationsBus.interface, let sender = message.sender,
                  let arguments = try? message.arguments() else { return }
            switch message.member?.rawValue {
            case "Notify":
                guard let call = NotifyCall(arguments: arguments, sender: sender) else { return }
                let key = CallKey(caller: sender, serial: message.serial)
                log.update { events in
                    if !message.noReplyExpected { pending[key] = events.count }
                    events.append(RecordedEvent(event: .notify(call), answered: message.noReplyExpected))
                }
            case "CloseNotification":
                guard arguments.count == 1, case .uint32(let id) = arguments[0] else { return }
                log.append(RecordedEvent(event: .closeNotification(id: id), answered: true))
            default:
                return
            }
        case .methodReturn, .error:
            guard let caller = message.destination,
                  let index = pending.removeValue(forKey: CallKey(caller: caller, serial: message.replySerial))
            else { return }
            let id: UInt32? = if message.kind == .methodReturn, case .uint32(let v)? = (try? message.arguments())?.first {
                v
            } else {
                nil
            }
            log.update { events in
                guard case .notify(var call) = events[index].event else { return }
                call.returnedID = id
                events[index] = RecordedEvent(event: .notify(call), answered: true)
            }
        case .signal:
            guard message.interface == NotificationsBus.interface, let arguments = try? message.arguments(),
                  arguments.count == 2, case .uint32(let id) = arguments[0] else { return }
            let event: NotificationEvent
            switch (message.member?.rawValue, arguments[1]) {
            case ("NotificationClosed", .uint32(let reason)):
                event = .notificationClosed(id: id, reason: CloseReason(rawValue: reason))
            case ("ActionInvoked", .string(let key)):
                event = .actionInvoked(id: id, actionKey: key)
            case ("ActivationToken", .string(let token)):
                event = .activationToken(id: id, token: token)
            default:
                return
            }
            log.append(RecordedEvent(event: event, answered: true))
        case .invalid:
            return
        }
    }
}
