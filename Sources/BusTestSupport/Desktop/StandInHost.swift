import DBus

/// A connection on a loop thread of its own that exports a stand-in's objects and owns its names:
/// objects first, then the names, as real services do. `stop` releases the names (clients see the
/// service leave the bus) and stops the thread.
final class StandInHost: @unchecked Sendable {
    // @unchecked Sendable: the connection is only used on the loop thread (through `sync`), and
    // `stop` runs once from the test's thread.
    private let thread = LoopThread()
    private var connection: Connection?
    private let names: [BusName]
    /// The host's unique name on the bus.
    let uniqueName: String

    /// Exports `objects` (made on the loop thread), then takes `names` in order; fails when one is owned.
    init(bus: PrivateBus, names: [BusName], objects: @escaping () -> [ExportedObject]) throws {
        self.names = names
        let connection = try thread.connect(to: bus)
        do {
            try thread.sync {
                for object in objects() { connection.export(object) }
                for name in names {
                    guard try connection.requestName(name) == .primaryOwner else {
                        let owner = connection.nameOwner(name) ?? "someone else"
                        throw BusError(.failed, "\(name) is already owned by \(owner)")
                    }
                }
            }
        } catch {
            thread.close(connection)
            throw error
        }
        self.connection = connection
        uniqueName = connection.uniqueName
    }

    var isRunning: Bool { connection != nil }

    /// Runs `body` on the loop thread with the connection, and waits for it.
    func sync<T>(_ body: @escaping (Connection) throws -> T) throws -> T {
        guard let connection else { throw BusError(.disconnected, "the stand-in is stopped") }
        return try thread.sync { try body(connection) }
    }

    func stop() {
        guard let connection else { return }
        self.connection = nil
        let names = self.names
        try? thread.sync {
            for name in names.reversed() { _ = try? connection.releaseName(name) }
        }
        thread.close(connection)
    }

    deinit { stop() }
}
