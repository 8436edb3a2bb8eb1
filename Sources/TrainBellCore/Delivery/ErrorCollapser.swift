/// Flood control for errors: identical errors (same job, same error type,
/// same message) within a window collapse into one.
///
/// The first error is sent and opens a window of ``window`` microseconds;
/// repeats inside it are counted, not sent. The first repeat after the
/// window is sent again and opens a new window, so a recurring error is
/// still reported now and then. If the clock goes back before the window's
/// start, the window is over. Time is passed in; nothing here reads a clock.
public struct ErrorCollapser: Sendable, Hashable {
    /// One minute, in microseconds.
    public static let defaultWindow: Int64 = 60_000_000

    /// The length of a window in microseconds; 0 or less collapses nothing.
    public let window: Int64

    private var openWindows: [Key: OpenWindow] = [:]

    /// Creates a collapser with windows of `window` microseconds.
    public init(window: Int64 = ErrorCollapser.defaultWindow) {
        self.window = window
    }

    /// Decides whether an error report is notified, and counts it.
    public mutating func decide(jobID: String, errorType: String, message: String, now: Int64)
        -> ErrorCollapseDecision
    {
        decide(Key(jobID: jobID, errorType: errorType, message: message), now: now)
    }

    /// Decides for an error already reduced to its key.
    public mutating func decide(_ key: Key, now: Int64) -> ErrorCollapseDecision {
        removeClosedWindows(now: now)
        if var open = openWindows[key] {
            open.count += 1
            openWindows[key] = open
            return .collapse(count: open.count, firstSentAt: open.start)
        }
        if window > 0 {
            openWindows[key] = OpenWindow(start: now, count: 1)
        }
        return .send
    }

    /// Forgets everything about a job (e.g. when it starts a new run).
    public mutating func forget(jobID: String) {
        openWindows = openWindows.filter { $0.key.jobID != jobID }
    }

    /// The number of errors currently in a window (for tests and
    /// diagnostics).
    public var openWindowCount: Int { openWindows.count }

    private mutating func removeClosedWindows(now: Int64) {
        openWindows = openWindows.filter { isInside(now, windowStartingAt: $0.value.start) }
    }

    private func isInside(_ now: Int64, windowStartingAt start: Int64) -> Bool {
        let (elapsed, overflow) = now.subtractingReportingOverflow(start)
        return !overflow && elapsed >= 0 && elapsed < window
    }

    /// What makes two errors identical: the job, the type, and the message — as its length and two
    /// independent 64-bit hashes, not its text, so that what is kept does not grow with the size of
    /// the messages (a 1 MB traceback costs 16 bytes here).
    public struct Key: Sendable, Hashable {
        public let jobID: String
        public let errorType: String
        let messageLength: Int
        let messageHashes: (UInt64, UInt64)

        public init(jobID: String, errorType: String, message: String) {
            self.jobID = jobID
            self.errorType = errorType
            var message = message
            messageLength = message.utf8.count
            messageHashes = message.withUTF8 { Self.hashes($0) }
        }

        /// FNV-1a, 64 bits, and the same over the bytes in reverse with another basis: stable, cheap,
        /// and together far past any chance of two different messages meeting.
        static func hashes(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
            var forward: UInt64 = 0xcbf2_9ce4_8422_2325
            var backward: UInt64 = 0x8422_2325_cbf2_9ce4
            for byte in bytes {
                forward = (forward ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
            for byte in bytes.reversed() {
                backward = (backward ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
            return (forward, backward)
        }

        public static func == (a: Key, b: Key) -> Bool {
            a.jobID == b.jobID && a.errorType == b.errorType && a.messageLength == b.messageLength
                && a.messageHashes == b.messageHashes
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(jobID)
            hasher.combine(messageHashes.0)
        }
    }

    /// A sent error and the repeats counted since.
    private struct OpenWindow: Sendable, Hashable {
        var start: Int64
        var count: Int
    }
}
