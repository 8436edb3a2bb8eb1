import DBus

extension LoopThread {
    /// Opens a connection to `bus` attached to this thread's loop.
    func connect(to bus: PrivateBus) throws -> Connection {
        try connect(address: bus.address)
    }

    func connect(address: String) throws -> Connection {
        let loop = self.loop
        return try sync {
            let connection = try Connection(address: address)
            connection.attach(to: loop)
            return connection
        }
    }

    /// Closes `connection` on the loop, then stops the loop. The caller drops the connection only after
    /// this: a connection freed while its loop still runs can leave a dispatch scheduled for it there
    /// (the `DBus` layer's loop glue keeps the raw connection pointer), which then crashes.
    func close(_ connection: Connection) {
        try? sync { connection.close() }
        stop()
    }
}
