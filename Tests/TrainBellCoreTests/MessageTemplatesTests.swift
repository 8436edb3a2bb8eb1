import Testing
import TrainBellCore

/// Default titles and messages and the order of overrides.
@Suite struct MessageTemplatesTests {
    static let values = TemplateValues(
        job: "llama", title: "LLaMA LoRA", step: 500, total: 1_000, percent: 50, message: "loss is NaN")

    @Test(
        arguments: [
            (NotificationType.progress, 25, "Training 25% Complete"),
            (.progress, 50, "Training Halfway There!"),
            (.progress, 75, "Training 75% Complete"),
            (.progress, 10, "Training 10% Complete"),
            (.progress, 90, "Training 90% Complete"),
            (.completion, nil, "Training Complete! 🎉"),
            (.completion, 100, "Training Complete! 🎉"),
            (.error, nil, "Training Error"),
            (.warning, nil, "Training Warning"),
            (.digest, nil, "While you were away"),
        ] as [(NotificationType, Int?, String)])
    func defaultTitles(type: NotificationType, milestone: Int?, expected: String) {
        var values = Self.values
        values.milestone = milestone ?? values.percent
        #expect(MessageTemplates.standard.title(for: type, milestone: milestone, values: values) == expected)
    }

    @Test(
        arguments: [
            (NotificationType.progress, 50, "LLaMA LoRA: step 500 of 1000 (50%)"),
            (.completion, nil, "LLaMA LoRA finished after 500 steps."),
            (.error, nil, "loss is NaN"),
            (.warning, nil, "loss is NaN"),
        ] as [(NotificationType, Int?, String)])
    func defaultMessages(type: NotificationType, milestone: Int?, expected: String) {
        #expect(MessageTemplates.standard.message(for: type, milestone: milestone, values: Self.values) == expected)
    }

    @Test func overridesForTheMilestoneWinOverThoseForTheTypeWhichWinOverDefaults() {
        let templates = MessageTemplates(
            titleOverrides: [.progress: "{job} at {milestone}%", .error: "{job} failed"],
            messageOverrides: [.completion: "done: {message}"],
            milestoneTitleOverrides: [50: "Half of {title}"],
            milestoneMessageOverrides: [75: "three quarters"])
        #expect(templates.title(for: .progress, milestone: 50, values: Self.values) == "Half of LLaMA LoRA")
        #expect(templates.title(for: .progress, milestone: 25, values: Self.values) == "llama at 50%")
        #expect(templates.title(for: .error, values: Self.values) == "llama failed")
        #expect(templates.title(for: .warning, values: Self.values) == "Training Warning")
        #expect(templates.message(for: .progress, milestone: 75, values: Self.values) == "three quarters")
        #expect(
            templates.message(for: .progress, milestone: 25, values: Self.values)
                == "LLaMA LoRA: step 500 of 1000 (50%)")
        #expect(templates.message(for: .completion, values: Self.values) == "done: loss is NaN")
        // Milestone overrides are for progress only.
        #expect(templates.title(for: .completion, milestone: 50, values: Self.values) == "Training Complete! 🎉")
    }
}
