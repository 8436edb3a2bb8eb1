import Foundation
import Glibc

/// A process the test did not start itself but made start, such as a service the private bus activated
/// (xfconfd, GNOME Shell's notification service): it is the bus's child, not the test's, so its end is
/// watched through /proc and it is stopped by its process id, never by name.
public enum ActivatedProcess {
    /// Whether `pid` runs (a zombie has ended; its parent reaps it).
    public static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    /// SIGTERM, then SIGKILL when `pid` still runs after `grace` seconds.
    public static func terminate(_ pid: pid_t, grace: Double = 5) {
        guard pid > 0, isAlive(pid) else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while isAlive(pid) && Date() < deadline { usleep(5_000) }
        if isAlive(pid) { kill(pid, SIGKILL) }
    }
}
