import Testing
import TrainBellCore

/// The error-type → urgency table of DESIGN section 4.
@Suite struct ErrorClassifierTests {
    @Test(
        arguments: [
            ("oom_error", nil, Urgency.critical), ("cuda_error", .low, .critical), ("system_crash", nil, .critical),
            ("loss_divergence", nil, .high), ("gradient_explosion", .critical, .high), ("data_error", .low, .high),
            ("OOM_Error", nil, .critical), (" cuda_error ", nil, .critical),
            ("nan_loss", nil, .normal), ("nan_loss", .low, .low), ("nan_loss", .critical, .critical),
            ("", nil, .normal),
        ] as [(String, Urgency?, Urgency)])
    func defaultTable(type: String, requested: Urgency?, expected: Urgency) {
        #expect(ErrorClassifier.standard.urgency(forErrorType: type, requested: requested) == expected)
    }

    @Test func knownTypesAreTheSeedTable() {
        #expect(
            ErrorClassifier.knownErrorTypes == [
                "oom_error", "cuda_error", "system_crash", "loss_divergence", "gradient_explosion", "data_error",
            ])
        #expect(Set(ErrorClassifier.knownErrorTypes) == Set(ErrorClassifier.defaultTable.keys))
        #expect(
            ErrorClassifier.standard.errorTypes == [
                "cuda_error", "oom_error", "system_crash", "data_error", "gradient_explosion", "loss_divergence",
            ])
    }

    @Test func overridesChangeAndExtendTheDefaultTable() {
        let classifier = ErrorClassifier(overriding: ["data_error": .low, "NaN_Loss": .high])
        #expect(classifier.urgency(forErrorType: "data_error") == .low)
        #expect(classifier.urgency(forErrorType: "nan_loss", requested: .low) == .high)
        #expect(classifier.urgency(forErrorType: "oom_error") == .critical)
    }

    @Test func aReplacedTableForgetsTheDefaults() {
        let classifier = ErrorClassifier(table: ["disk_full": .critical])
        #expect(classifier.urgency(forErrorType: "disk_full") == .critical)
        #expect(classifier.urgency(forErrorType: "oom_error", requested: .low) == .low)
        #expect(classifier.errorTypes == ["disk_full"])
    }
}
