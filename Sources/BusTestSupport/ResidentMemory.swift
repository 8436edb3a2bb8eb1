import Foundation

/// The resident memory of a process as the kernel reports it (`VmRSS` in `/proc/PID/status`), for tests
/// that check what a peer or a flood leaves behind.
public struct ResidentMemory: Sendable, Comparable, CustomStringConvertible {
    /// Kibibytes, as `/proc` counts them.
    public let kibibytes: Int

    public init(kibibytes: Int) { self.kibibytes = kibibytes }

    /// The resident memory of process `pid` now; nil when it has ended (or `/proc` cannot be read).
    public init?(of pid: pid_t) {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let value = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        kibibytes = value
    }

    public var megabytes: Double { Double(kibibytes) / 1024 }

    public var description: String { String(format: "%.1f MiB", megabytes) }

    public static func < (a: ResidentMemory, b: ResidentMemory) -> Bool { a.kibibytes < b.kibibytes }
}

extension DaemonProcess {
    /// The daemon's resident memory now; nil when it is not running.
    public var residentMemory: ResidentMemory? { process.flatMap { ResidentMemory(of: $0.pid) } }
}
