import Testing
import TrainBellCore

/// The wire values of the plain data types.
@Suite struct NotificationTypeTests {
    @Test func rawValuesAreTheRecordTypes() {
        #expect(
            NotificationType.allCases.map(\.rawValue) == [
                "progress", "error", "completion", "warning", "digest", "custom",
            ])
        #expect(NotificationType.progress.category == "x-trainbell.progress")
    }

    @Test func deliveryRawValuesAreTheRecordValues() {
        #expect(
            Delivery.allCases.map(\.rawValue) == [
                "shown", "held-by-server", "sent-during-dnd", "suppressed-dnd", "rate-limited", "no-server", "queued", "away-digest",
            ])
    }

    @Test func jobStateRawValuesAreTheStateProperty() {
        #expect(JobState.allCases.map(\.rawValue) == ["running", "completed", "failed", "cancelled"])
    }

    @Test func actionsHaveTheSeedLabels() {
        #expect(NotificationAction.details == NotificationAction(key: "details", label: "View Details"))
        #expect(NotificationAction.retry == NotificationAction(key: "retry", label: "Retry"))
    }

    @Test func recordReadsTheEventFields() {
        let event = NotificationEvent(type: .warning, title: "Training Warning", message: "lr high")
        let record = NotificationRecord(
            id: 7, jobID: "run", event: event, timestamp: 42, delivery: .suppressedDoNotDisturb)
        #expect(record.type == .warning)
        #expect(record.title == "Training Warning")
        #expect(record.message == "lr high")
        #expect(record.serverID == 0)
        #expect(record.delivery.rawValue == "suppressed-dnd")
    }
}
