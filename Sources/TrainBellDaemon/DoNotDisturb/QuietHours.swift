import TrainBellCore

/// A daily span of time during which trainbell behaves as if Do Not Disturb
/// were on (`[dnd] quiet-hours=22:00-07:00`). The span may cross midnight;
/// the start is inside it, the end is not.
struct QuietHours: Sendable, Hashable, CustomStringConvertible {
    /// Minutes in a day.
    static let minutesPerDay = 24 * 60

    /// What a span may be, for error messages.
    static let acceptedValues =
        "HH:MM-HH:MM with hours 0 to 23 and minutes 00 to 59, start and end different, "
        + "e.g. 22:00-07:00 (may cross midnight); empty for none"

    /// The first minute of the span, 0 (00:00) to 1439 (23:59).
    let startMinute: Int
    /// The first minute after the span, 0 to 1439; different from the start.
    let endMinute: Int

    /// Creates a span from minutes of the day (each taken modulo a day).
    ///
    /// - Throws: A ``ValidationError`` when start and end are the same
    ///   minute (an empty span or a whole day: ambiguous).
    init(startMinute: Int, endMinute: Int) throws(ValidationError) {
        let start = Self.normalized(startMinute)
        let end = Self.normalized(endMinute)
        guard start != end else {
            throw ValidationError(
                "\(Self.clock(start))-\(Self.clock(end)) starts and ends at the same minute; "
                    + "accepted: \(Self.acceptedValues)")
        }
        self.startMinute = start
        self.endMinute = end
    }

    /// Reads `HH:MM-HH:MM` (white space around the parts is ignored).
    ///
    /// - Throws: A ``ValidationError`` naming the bad text and what is
    ///   accepted.
    init(parsing text: String) throws(ValidationError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Self.minute(parts[0]), let end = Self.minute(parts[1]) else {
            throw ValidationError("\"\(text)\" is not a time span; accepted: \(Self.acceptedValues)")
        }
        try self.init(startMinute: start, endMinute: end)
    }

    /// Whether `minuteOfDay` (taken modulo a day) is inside the span.
    func contains(minuteOfDay: Int) -> Bool {
        let minute = Self.normalized(minuteOfDay)
        return startMinute < endMinute
            ? (startMinute..<endMinute).contains(minute)
            : minute >= startMinute || minute < endMinute
    }

    /// `HH:MM-HH:MM`, as written in the configuration.
    var description: String { "\(Self.clock(startMinute))-\(Self.clock(endMinute))" }

    /// The minute of the day of `H:MM` or `HH:MM`, or nil.
    private static func minute(_ text: Substring) -> Int? {
        let parts = text.trimmingWhitespace.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), hour < 24, minute < 60
        else { return nil }
        return hour * 60 + minute
    }

    private static func clock(_ minute: Int) -> String {
        let (hour, minute) = minute.quotientAndRemainder(dividingBy: 60)
        return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    private static func normalized(_ minute: Int) -> Int {
        let remainder = minute % minutesPerDay
        return remainder < 0 ? remainder + minutesPerDay : remainder
    }
}
