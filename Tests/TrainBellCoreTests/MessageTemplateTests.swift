import PropertyBased
import Testing
import TrainBellCore

/// Placeholder rendering of one template.
@Suite struct MessageTemplateTests {
    static let values = TemplateValues(
        job: "bert-base", title: "BERT fine-tune", step: 250, total: 1_000, percent: 25, milestone: 25,
        message: "CUDA out of memory {job}")

    @Test(arguments: [
        ("", ""),
        ("plain text", "plain text"),
        ("{job}", "bert-base"),
        ("{title}: step {step} of {total} ({percent}%)", "BERT fine-tune: step 250 of 1000 (25%)"),
        ("Training {milestone}% Complete", "Training 25% Complete"),
        ("{message}", "CUDA out of memory {job}"),
        ("{unknown} {job}", "{unknown} bert-base"),
        ("{JOB}", "{JOB}"),
        ("{ job }", "{ job }"),
        ("{", "{"),
        ("}", "}"),
        ("{{job}}", "{bert-base}"),
        ("{job", "{job"),
        ("job}", "job}"),
        ("{}", "{}"),
        ("{jo{job}b}", "{jobert-baseb}"),
        ("{step}{total}", "2501000"),
        ("e\u{301}{job}\u{301}", "e\u{301}bert-base\u{301}"),
        ("\u{600}{job}", "\u{600}bert-base"),
    ])
    func rendersPlaceholdersAndLeavesEverythingElse(template: String, expected: String) {
        #expect(MessageTemplate(template).render(Self.values) == expected)
    }

    @Test func renderingAnyTemplateWithAnyValuesNeverFails() async {
        await propertyCheck(count: 300, input: TestGen.string, TestGen.string, TestGen.shortString, TestGen.steps) {
            template, message, title, step in
            let values = TemplateValues(job: title, title: title, step: step, total: step, percent: 7, message: message)
            let rendered = MessageTemplate(template).render(values)
            if !template.unicodeScalars.contains("{") {
                #expect(rendered == template)
            }
        }
    }

    /// With brace-free values, no placeholder survives rendering, and with
    /// unknown names only the template is returned unchanged.
    @Test func everyPlaceholderIsReplacedAndNothingElse() async {
        await propertyCheck(count: 300, input: TestGen.shortString) { template in
            let braceFree = TemplateValues(
                job: "J", title: "T", step: 1, total: 2, percent: 3, milestone: 4, message: "M")
            let rendered = MessageTemplate(template).render(braceFree)
            for name in MessageTemplate.placeholders {
                #expect(
                    !rendered.containsScalars("{\(name)}"),
                    "\(template.debugDescription) → \(rendered.debugDescription)")
            }
            let onlyUnknown = template.replacingScalar("{", with: "{x")
            #expect(MessageTemplate(onlyUnknown).render(braceFree) == onlyUnknown)
        }
    }

    @Test func aMessageIsPutInByteForByte() async {
        await propertyCheck(count: 300, input: TestGen.string) { message in
            let rendered = MessageTemplate("{message}").render(TemplateValues(message: message))
            #expect(Array(rendered.utf8) == Array(message.utf8))
        }
    }
}
