import Glibc
import Logging

/// Logs to stderr, one line per message. Under systemd (`JOURNAL_STREAM` set) each line starts with its
/// syslog priority (`<3>` error, `<4>` warning, `<6>` info, `<7>` debug) so journald files it right.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let label: String
    let journal: Bool

    public init(label: String, level: Logger.Level, journal: Bool = getenv("JOURNAL_STREAM") != nil) {
        self.label = label
        self.logLevel = level
        self.journal = journal
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let prefix: String
        if journal {
            prefix = "<\(Self.priority(event.level))>"
        } else {
            prefix = "\(label): \(event.level.rawValue): "
        }
        var line = prefix + event.message.description
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        if !all.isEmpty { line += " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
        line += "\n"
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { break }
            offset += n
        }
    }

    /// syslog priorities: critical 2, error 3, warning 4, notice 5, info 6, debug and trace 7.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .critical: 2
        case .error: 3
        case .warning: 4
        case .notice: 5
        case .info: 6
        case .debug, .trace: 7
        }
    }
}
