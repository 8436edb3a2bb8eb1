import PropertyBased
import Testing
@testable import TrainBellCore

@Suite struct RemoteEventTests {
    static func decode(_ text: String) throws(RemoteEventRefusal) -> RemoteEvent { try RemoteEvent.decode(Array(text.utf8)) }
    static let head = #""v": 1, "id": "gpu-07-1-1", "host": "gpu-07", "job": "run-1", "time": 1700000000.5"#

    @Test(arguments: [
        (#""event": "start", "title": "ResNet", "total": 100"#, RemoteEvent.Kind.start(title: "ResNet", total: 100)),
        (#""event": "progress", "step": 5, "total": 0"#, .progress(step: 5, total: 0)),
        (#""event": "metrics", "step": 3, "metrics": {"loss": 0.5, "acc": NaN}"#, .metrics(step: 3, values: ["loss": 0.5, "acc": .nan])),
        (#""event": "error", "message": "CUDA out of memory", "type": "oom_error""#, .error(message: "CUDA out of memory", type: "oom_error", urgency: nil)),
        (#""event": "error", "message": "m", "type": "", "urgency": "low""#, .error(message: "m", type: "", urgency: "low")),
        (#""event": "warning", "message": "slow""#, .warning(message: "slow")),
        (#""event": "complete""#, .complete(message: nil)),
        (#""event": "complete", "message": "done", "future": {"x": [1]}"#, .complete(message: "done")),
        (#""event": "cancel""#, .cancel),
    ])
    func readsEveryEventOfSchemaV1(_ members: String, _ kind: RemoteEvent.Kind) throws {
        let event = try Self.decode("{" + Self.head + ", " + members + "}")
        #expect(event.id == "gpu-07-1-1" && event.host == "gpu-07" && event.job == "run-1" && event.time == 1_700_000_000.5)
        if case .metrics(_, let values) = kind, case .metrics(let step, let read) = event.kind {
            #expect(step == 3 && read["loss"] == values["loss"] && read["acc"]?.isNaN == true)
        } else {
            #expect(event.kind == kind)
        }
        #expect(event.desktopID == "gpu-07/run-1")
    }

    @Test(arguments: [
        ("not json", RemoteEventRefusal.Code.malformed), ("[1]", .malformed), (#"{"id": "x"}"#, .wrongVersion),
        (#"{"v": 2, "id": "x", "host": "h", "job": "j", "event": "cancel", "time": 1}"#, .wrongVersion),
        (#"{"v": "1", "id": "x", "host": "h", "job": "j", "event": "cancel", "time": 1}"#, .wrongVersion),
        (#"{"v": 1, "host": "h", "job": "j", "event": "cancel", "time": 1}"#, .badField),
        (#"{"v": 1, "id": "", "host": "h", "job": "j", "event": "cancel", "time": 1}"#, .badField),
        (#"{"v": 1, "id": "x", "host": "../etc", "job": "j", "event": "cancel", "time": 1}"#, .badField),
        (#"{"v": 1, "id": "x", "host": "h", "job": "", "event": "cancel", "time": 1}"#, .badField),
        (#"{"v": 1, "id": "x", "host": "h", "job": "j", "event": "explode", "time": 1}"#, .unknownEvent),
        (#"{"v": 1, "id": "x", "host": "h", "job": "j", "event": "cancel"}"#, .badField),
        (#"{"v": 1, "id": "x", "host": "h", "job": "j", "event": "cancel", "time": "now"}"#, .badField),
        (#"{"v": 1, "id": "x", "host": "h", "job": "j", "event": "start", "title": "t", "total": -1, "time": 1}"#, .badField),
        (#"{"v": 1, "id": "x", "host": "h", "job": "j", "event": "start", "title": "t", "total": 1.5, "time": 1}"#, .badField),
        (#"{"v": 1, "id": "x", "host": "h", "job": "j", "event": "start", "total": 1, "time": 1}"#, .badField),
        (#"{"v": 1, "id": "x", "host": "h", "job": "j", "event": "metrics", "step": 1, "metrics": {"loss": "low"}, "time": 1}"#, .badField),
        (#"{"v": 1, "id": "x", "host": "h", "job": "j", "event": "error", "message": 5, "type": "t", "time": 1}"#, .badField),
        (#"{"v": 1, "id": "x", "host": "h", "job": "j", "event": "warning", "time": 1}"#, .badField),
    ])
    func refusesWithTheReasonCounted(_ text: String, _ code: RemoteEventRefusal.Code) {
        #expect { try Self.decode(text) } throws: { ($0 as? RemoteEventRefusal)?.code == code }
    }

    @Test func refusesPayloadsOver256KiBUnread() {
        let big = [UInt8](repeating: 0x20, count: RemoteEvent.maximumPayload + 1)
        #expect { try RemoteEvent.decode(big) } throws: { ($0 as? RemoteEventRefusal)?.code == .tooLarge }
    }

    @Test func progressMustMatchItsTopic() throws {
        let progress = Array(("{" + Self.head + #", "event": "progress", "step": 1, "total": 2}"#).utf8)
        #expect(try RemoteEvent.decodeProgress(progress, host: "gpu-07", job: "run-1")?.kind == .progress(step: 1, total: 2))
        #expect(try RemoteEvent.decodeProgress([], host: "gpu-07", job: "run-1") == nil)
        #expect { try RemoteEvent.decodeProgress(progress, host: "gpu-07", job: "run-2") } throws: { ($0 as? RemoteEventRefusal)?.code == .wrongTopic }
        let start = Array(("{" + Self.head + #", "event": "start", "title": "t", "total": 2}"#).utf8)
        #expect { try RemoteEvent.decodeProgress(start, host: "gpu-07", job: "run-1") } throws: { ($0 as? RemoteEventRefusal)?.code == .wrongTopic }
    }

    @Test func whatAPublisherWritesTrainbelldReads() async {
        let kinds = zip(Gen.int(in: 0...6), TestGen.shortString, TestGen.steps).map { pick, text, steps -> RemoteEvent.Kind in
            let n = steps & ((1 << 53) - 1)
            switch pick {
            case 0: return .start(title: text, total: n)
            case 1: return .progress(step: n, total: n)
            case 2: return .metrics(step: n, values: [text.isEmpty ? "loss" : text: Double(n) / 7])
            case 3: return .error(message: text, type: "oom_error", urgency: nil)
            case 4: return .warning(message: text)
            case 5: return .complete(message: text.isEmpty ? nil : text)
            default: return .cancel
            }
        }
        await propertyCheck(count: 300, input: kinds, TestGen.shortString) { kind, job in
            let event = RemoteEvent(id: "h-1-2", host: "gpu-07", job: job.isEmpty ? "j" : String(job.prefix(200)), time: 1.25, kind: kind)
            if event.job.utf8.count <= RemoteEvent.maximumJobLength {
                #expect((try? RemoteEvent.decode(Array(event.json.utf8))) == event)
            }
        }
    }

    @Test func anyBytesAreRefusedOrReadNeverATrap() async {
        await propertyCheck(count: 500, input: Gen.uint8().array(of: 0...300)) { bytes in
            _ = try? RemoteEvent.decode(bytes)
        }
    }
}
