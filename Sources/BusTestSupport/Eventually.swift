import DBus
import DBusGLib

extension EventLoop {
    /// Pumps this loop until `condition` holds or `seconds` pass (for tests waiting for a signal).
    public func wait(for seconds: Double = 10, until condition: () -> Bool) -> Bool {
        run(until: condition, timeout: seconds)
    }
}
