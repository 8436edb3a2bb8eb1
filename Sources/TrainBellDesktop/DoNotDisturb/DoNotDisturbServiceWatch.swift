import DBus
import Logging

/// What every D-Bus Do Not Disturb source shares: follows the owner of the service that holds the
/// state, reads the state when the source starts and whenever a new owner appears, keeps the state
/// last read (a `Bool`, or what a source needs besides, such as dunst's pause level), and logs a
/// failure once, at debug level.
///
/// Lives on the loop the connection is attached to; nothing here blocks it except `callBlocking`,
/// which the sources use only in `refresh`. A reply that arrives after `stop`, after the owner
/// changed, or after a newer blocking read is dropped.
final class DoNotDisturbServiceWatch<State: Equatable> {
    /// Reads the state once without blocking; `done` runs on the loop.
    typealias Read = (_ done: @escaping (Result<State, BusError>) -> Void) -> Void

    let connection: Connection
    /// The well-known name that holds the state.
    let service: BusName
    /// The source's `name`, for log lines.
    let sourceName: String
    let log: Logger
    /// Whether a read may start the service by D-Bus activation: a settings store such as xfconfd
    /// may be started; a notification server must not be started just to read its state.
    let activates: Bool
    /// How long an asynchronous read may take.
    let readTimeout: Double
    /// What a failure's log line says before the reason ("Do Not Disturb (dunst) unknown, read as off").
    let unknownMessage: String
    /// Whether a first failure, which leaves the state unknown as it was, is told to `onChange` too
    /// (presence sources: their watcher waits until every source has settled).
    let reportsSettling: Bool

    /// The state last read; nil while unknown, after a failure and after `stop`.
    private(set) var state: State?
    /// The unique name that owns `service`; nil while none (or before the bus answered).
    private(set) var owner: String?
    /// Whether the state is known or known to be unknown since `start`: a read answered or failed,
    /// or the service is not on the bus. False while the first answers are awaited.
    private(set) var isSettled = false

    private var read: Read?
    private var onChange: (() -> Void)?
    private var subscriptions: [SignalSubscription] = []
    /// Bumped whenever the replies of earlier reads must no longer count.
    private var generation = 0
    private var ownerKnown = false
    private var failureLogged = false

    init(connection: Connection, service: BusName, sourceName: String, log: Logger, activates: Bool = false,
         readTimeout: Double = 5, unknownMessage: String? = nil, reportsSettling: Bool = false) {
        self.reportsSettling = reportsSettling
        self.unknownMessage = unknownMessage ?? "Do Not Disturb (\(sourceName)) unknown, read as off"
        self.connection = connection
        self.service = service
        self.sourceName = sourceName
        self.log = log
        self.activates = activates
        self.readTimeout = readTimeout
    }

    var isStarted: Bool { read != nil }

    /// Subscribes to `signals` (their handlers run only while started), then follows the owner of
    /// `service`: the first answer of the bus and every new owner lead to a `read`.
    func start(read: @escaping Read, signals: [MatchRule: (Message) -> Void], onChange: @escaping () -> Void) {
        guard !isStarted else { return }
        self.read = read
        self.onChange = onChange
        // Signals first: a subscription to a well-known sender learns its owner from the bus before
        // the owner watch below gets its answer (the bus answers in order), so no change is missed.
        for (rule, handler) in signals.sorted(by: { $0.key.text < $1.key.text }) {
            do {
                let subscription = try connection.subscribe(rule) { [weak self] message in
                    guard let self, self.isStarted else { return }
                    handler(message)
                }
                subscriptions.append(subscription)
            } catch {
                fail("cannot watch \(rule.member?.rawValue ?? "signals") of \(service): \(error)")
            }
        }
        do {
            let watch = try connection.watchNameOwner(service) { [weak self] owner in
                self?.ownerChanged(to: owner)
            }
            subscriptions.append(watch)
        } catch {
            fail("cannot follow the owner of \(service): \(error)")
            readNow()
        }
    }

    private func ownerChanged(to newOwner: String?) {
        guard isStarted else { return }
        let first = !ownerKnown
        ownerKnown = true
        owner = newOwner
        generation += 1
        if newOwner != nil || (first && activates) {
            readNow()
        } else if !activates {
            fail("\(service) is not on the bus")
        }
        // An activatable store that left the bus keeps its state: a change needs it back, and then
        // the new owner is read.
    }

    /// Reads the state again without blocking.
    func readNow() {
        guard let read else { return }
        generation += 1
        let expected = generation
        read { [weak self] result in
            guard let self, self.isStarted, self.generation == expected else { return }
            switch result {
            case .success(let state): self.update(state)
            case .failure(let error): self.fail("\(error)")
            }
        }
    }

    /// Takes a state learned from a signal or a blocking read.
    func update(_ state: State) {
        guard isStarted else { return }
        failureLogged = false
        isSettled = true
        set(state)
    }

    /// The state is unknown from now on; the first failure after a success (or after the start) is
    /// logged, at debug level, the next ones are not.
    func fail(_ reason: String) {
        guard isStarted else { return }
        let wasSettled = isSettled
        isSettled = true
        if !wasSettled, state == nil, reportsSettling { onChange?() }
        if !failureLogged {
            failureLogged = true
            log.debug("\(unknownMessage): \(reason)")
        }
        set(nil)
    }

    private func set(_ newState: State?) {
        guard newState != state else { return }
        state = newState
        onChange?()
    }

    /// A method call to `service`; it starts the service only when `activates`.
    func methodCall(path: ObjectPath, interface: InterfaceName, member: MemberName,
                    _ arguments: [DBusValue] = []) throws(BusError) -> Message {
        let message = Message.methodCall(destination: service, path: path, interface: interface, member: member)
        message.autoStart = activates
        try message.append(arguments)
        return message
    }

    /// Calls a method of `service` without blocking; `reply` gets the reply's values on the loop.
    func call(path: ObjectPath, interface: InterfaceName, member: MemberName, _ arguments: [DBusValue] = [],
              reply: @escaping (Result<[DBusValue], BusError>) -> Void) {
        let message: Message
        do { message = try methodCall(path: path, interface: interface, member: member, arguments) } catch {
            reply(.failure(error))
            return
        }
        connection.callAsync(message, timeout: readTimeout) { result in
            reply(result.flatMap { message in
                do throws(BusError) { return .success(try message.arguments()) } catch { return .failure(error) }
            })
        }
    }

    /// Calls a method of `service` and waits at most `timeout` seconds, for `refresh`. Replies of
    /// reads sent before it no longer count: they are older than its answer.
    func callBlocking(path: ObjectPath, interface: InterfaceName, member: MemberName, _ arguments: [DBusValue] = [],
                      timeout: Double) -> Result<[DBusValue], BusError> {
        generation += 1
        do {
            let message = try methodCall(path: path, interface: interface, member: member, arguments)
            return .success(try connection.call(message, timeout: timeout).arguments())
        } catch {
            return .failure(error)
        }
    }

    /// Stops watching: cancels the subscriptions, drops the replies still to come, forgets the state.
    func stop() {
        guard isStarted else { return }
        for subscription in subscriptions { subscription.cancel() }
        subscriptions = []
        read = nil
        onChange = nil
        generation += 1
        ownerKnown = false
        owner = nil
        state = nil
        isSettled = false
        failureLogged = false
    }

    /// A source dropped without `stop` leaves no match rules behind.
    deinit { stop() }
}
