import Testing
import TrainBellCore

@testable import TrainBellDaemon

/// Quiet hours: parsing `HH:MM-HH:MM` and which minutes are inside.
@Suite struct QuietHoursTests {
    @Test(arguments: [
        // Across midnight: 22:00 (1320) to 07:00 (420).
        ("22:00-07:00", 1319, false), ("22:00-07:00", 1320, true), ("22:00-07:00", 1439, true),
        ("22:00-07:00", 0, true), ("22:00-07:00", 419, true), ("22:00-07:00", 420, false),
        ("22:00-07:00", 720, false), ("22:00-07:00", 1440, true), ("22:00-07:00", -1, true),
        ("22:00-07:00", -1441, true), ("22:00-07:00", 1440 + 420, false),
        // Within a day: 09:00 (540) to 17:30 (1050).
        ("09:00-17:30", 539, false), ("09:00-17:30", 540, true), ("09:00-17:30", 1049, true),
        ("09:00-17:30", 1050, false), ("09:00-17:30", 0, false),
        // Ending at midnight, starting at midnight.
        ("23:00-00:00", 1380, true), ("23:00-00:00", 0, false), ("00:00-01:00", 0, true), ("00:00-01:00", 60, false),
        // One minute.
        ("12:00-12:01", 720, true), ("12:00-12:01", 721, false),
    ])
    func containsMinutesFromStartToBeforeEnd(span: String, minute: Int, expected: Bool) throws {
        #expect(try QuietHours(parsing: span).contains(minuteOfDay: minute) == expected)
    }

    @Test(arguments: [
        ("22:00-07:00", 1320, 420, "22:00-07:00"),
        ("7:05-9:30", 425, 570, "07:05-09:30"),
        (" 22:00 - 07:00 ", 1320, 420, "22:00-07:00"),
        ("00:00-23:59", 0, 1439, "00:00-23:59"),
    ])
    func parsesSpans(text: String, start: Int, end: Int, description: String) throws {
        let hours = try QuietHours(parsing: text)
        #expect(hours.startMinute == start)
        #expect(hours.endMinute == end)
        #expect(hours.description == description)
    }

    @Test(arguments: [
        "25:00-07:00", "22:60-07:00", "24:00-07:00", "22-07", "22:00", "22:00-07:00-08:00", "", "2200-0700",
        "22:0-07:00", "-1:00-07:00", "22:00-7:5", "٢٢:00-07:00", "+1:00-07:00", "22:00 07:00",
    ])
    func rejectsWhatIsNotASpan(text: String) {
        #expect(
            throws: ValidationError("\"\(text)\" is not a time span; accepted: \(QuietHours.acceptedValues)")
        ) {
            try QuietHours(parsing: text)
        }
    }

    @Test func rejectsAnEmptySpan() {
        #expect(
            throws: ValidationError(
                "22:00-22:00 starts and ends at the same minute; accepted: \(QuietHours.acceptedValues)")
        ) {
            try QuietHours(parsing: "22:00-22:00")
        }
    }
}
