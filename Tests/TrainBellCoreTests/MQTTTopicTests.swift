import PropertyBased
import Testing
@testable import TrainBellCore

@Suite struct MQTTTopicTests {
    @Test(arguments: [
        ("run-1", "run-1"), ("a/b", "a%2Fb"), ("100%", "100%25"), ("+#", "%2B%23"), ("%2F", "%252F"), ("", ""), ("日本", "日本"),
    ])
    func escapesOneSegment(_ text: String, _ segment: String) {
        #expect(MQTTTopic.escape(text) == segment)
        #expect(MQTTTopic.unescape(segment[...]) == text)
    }

    @Test(arguments: ["a/b", "a+", "#", "%", "%2", "%41", "%zz"])
    func refusesSegmentsThatAreNotEscaped(_ segment: String) {
        #expect(MQTTTopic.unescape(segment[...]) == nil)
    }

    @Test func namesTheSchemaTopics() {
        let base = "trainbell/alice"
        #expect(MQTTTopic.events(base) == "trainbell/alice/events")
        #expect(MQTTTopic.progress(base, host: "gpu-07", job: "exp/1") == "trainbell/alice/progress/gpu-07/exp%2F1")
        #expect(MQTTTopic.actions(base, host: "gpu-07", job: "run-1") == "trainbell/alice/actions/gpu-07/run-1")
        #expect(MQTTTopic.progressFilter(base) == "trainbell/alice/progress/+/+")
        #expect(MQTTTopic.kind(of: "trainbell/alice/events", base: base) == .events)
        #expect(MQTTTopic.kind(of: "trainbell/alice/progress/gpu-07/exp%2F1", base: base) == .progress(host: "gpu-07", job: "exp/1"))
        #expect(MQTTTopic.kind(of: "trainbell/alice/progress/gpu-07", base: base) == nil)
        #expect(MQTTTopic.kind(of: "trainbell/bob/events", base: base) == nil)
        #expect(MQTTTopic.kind(of: "trainbell/alice/other/a/b", base: base) == nil)
    }

    @Test func anyJobIsOneSegmentAndReadsBack() async {
        await propertyCheck(count: 400, input: TestGen.string) { job in
            let topic = MQTTTopic.progress("b", host: "h", job: job)
            #expect(!topic.unicodeScalars.dropFirst("b/progress/h/".unicodeScalars.count).contains("/"))
            #expect(!topic.contains("+") && !topic.contains("#"))
            #expect(MQTTTopic.kind(of: topic, base: "b") == .progress(host: "h", job: job))
        }
    }
}
