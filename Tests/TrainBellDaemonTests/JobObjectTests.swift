import DBus
import PropertyBased
import Testing
import TrainBellCore

@testable import TrainBellDaemon

/// `JobObject.changedProperties`, which makes a job's `PropertiesChanged` carry only what changed,
/// names exactly the properties whose bus values differ (read through the interface table itself).
@Suite struct JobObjectTests {
    /// One thing a trainer may do to a job.
    enum Step: CaseIterable { case progress, bigProgress, error, warning, complete, cancel, restart, nothing }

    static func apply(_ step: Step, to job: inout Job, now: Int64) {
        switch step {
        case .progress: _ = job.reportProgress(current: job.currentStep + 1, now: now)
        case .bigProgress: _ = job.reportProgress(current: job.currentStep + 300, total: job.totalSteps, now: now)
        case .error: _ = job.reportError(message: "CUDA out of memory \(now)", type: "out_of_memory", now: now)
        case .warning: _ = job.reportWarning(message: "loss spike", now: now)
        case .complete: _ = job.complete(now: now)
        case .cancel: job.cancel(now: now)
        case .restart:
            job = Job.start(id: job.id, title: "run \(now)", totalSteps: 2_000, appID: now % 2 == 0 ? "org.example.App" : nil, now: now)
        case .nothing: break
        }
    }

    /// The property names whose values, as the bus reads them, differ between two states.
    static func differing(_ old: Job, _ new: Job) -> [MemberName] {
        let before = JobObject.table { old }, after = JobObject.table { new }
        return JobObject.propertyNames.filter { name in
            before.property(name)?.get() != after.property(name)?.get()
        }
    }

    @Test func aJobIsFoundAgainFromItsCanonicalBusLabelOnly() throws {
        let id = try JobID("bert.base")
        #expect(id.busLabel == "bert_2ebase")
        #expect(JobObject.path(of: id) == "/org/trainbell/TrainBell1/job/bert_2ebase")
        #expect(JobID(busLabel: "bert_2ebase") == id)
        #expect(JobID(busLabel: "bert_2Ebase") == nil)
        #expect(JobID(busLabel: "_62ert_2ebase") == nil)
        #expect(JobID(busLabel: "_") == nil)
        #expect(JobID(busLabel: "a_0a") == nil)
        for text in ["run-42", "_", "日本語", "a b", "0day"] {
            let id = try JobID(text)
            #expect(JobID(busLabel: id.busLabel) == id)
        }
    }

    @Test func withoutAnEarlierStateEveryPropertyIsNamed() throws {
        let job = Job.start(id: try JobID("run"), title: "", totalSteps: 10, now: 1)
        #expect(JobObject.changedProperties(from: nil, to: job) == JobObject.propertyNames)
    }

    @Test func aProgressStepChangesTheStepTheProgressAndTheTime() throws {
        let old = Job.start(id: try JobID("run"), title: "", totalSteps: 1_000, now: 1)
        var new = old
        _ = new.reportProgress(current: 10, now: 2)
        #expect(JobObject.changedProperties(from: old, to: new) == ["CurrentStep", "Progress", "UpdatedAt"])
    }

    @Test func theNamesAreThePropertiesWhoseBusValuesDiffer() async {
        let steps = Gen.int(in: 0...(Step.allCases.count - 1)).map { Step.allCases[$0] }.array(of: 1...12)
        await propertyCheck(count: 300, input: steps) { steps in
            var job = Job.start(id: try! JobID("job-1"), title: "Fine-tune", totalSteps: 1_000, now: 1_000)
            var now: Int64 = 1_000
            for step in steps {
                let old = job
                now += step == .nothing ? 0 : 7
                Self.apply(step, to: &job, now: now)
                #expect(JobObject.changedProperties(from: old, to: job) == Self.differing(old, job), "after \(step)")
            }
        }
    }
}
