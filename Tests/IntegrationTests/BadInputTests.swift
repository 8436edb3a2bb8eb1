import BusTestSupport
import DBus
import Foundation
import Testing

/// Bad input of every kind (issue 3, "Bad input"): each gets the exact error name with a message that
/// says what was wrong and what is accepted, or is handled leniently as documented; and after each the
/// daemon still answers and the history recorded before is intact.
@Suite(.serialized) struct BadInputTests {
    static let invalidArgument: ErrorName = "org.trainbell.TrainBell1.Error.InvalidArgument"
    static let unknownJob: ErrorName = "org.trainbell.TrainBell1.Error.UnknownJob"
    static let jobInterface = "org.trainbell.TrainBell1.Job"
    static let acceptedIDs = "a job id is 1 to 128 bytes of UTF-8 text without control characters"

    /// A daemon on a private bus with a job and one warning recorded before the bad input.
    final class ServingDaemon {
        let bus: PrivateBus
        let daemon: DaemonProcess
        let client: DaemonClient
        /// `GetNotifications("seed")` before the bad input.
        let seedHistory: [[String: DBusValue]]

        init() throws {
            bus = try PrivateBus()
            daemon = try DaemonProcess(bus: bus)
            client = try DaemonClient(bus: bus, recordSignals: false)
            _ = try client.startJob("seed", title: "Seed run", total: 100)
            try client.progress("seed", 30)
            try client.call("ReportWarning", [.string("seed"), .string("loss is noisy")])
            seedHistory = try client.history("seed")
            #expect(seedHistory.map { $0["type"]?.stringValue } == ["progress", "warning"])
        }

        deinit {
            daemon.stop()
            bus.stop()
        }

        /// The error `member` fails with; a success is an issue.
        func error(_ member: MemberName, _ arguments: [DBusValue],
                   sourceLocation: SourceLocation = #_sourceLocation) -> BusError? {
            let error = client.error(member, arguments)
            if error == nil { Issue.record("\(member) succeeded, an error was expected", sourceLocation: sourceLocation) }
            return error
        }

        /// The daemon runs, answers `Peer.Ping` and `GetDoNotDisturb`, and still has the seed's history.
        func expectStillServing(sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(daemon.process?.isRunning == true, "trainbelld ended; its log:\n\(daemon.log)", sourceLocation: sourceLocation)
            #expect(try client.call("Ping", interface: .peer) == [], sourceLocation: sourceLocation)
            #expect(try client.call("GetDoNotDisturb") == [.boolean(false), .string("none")], sourceLocation: sourceLocation)
            #expect(try client.history("seed") == seedHistory, sourceLocation: sourceLocation)
            #expect(try jobProperty("/org/trainbell/TrainBell1/job/seed", "CurrentStep") == .uint64(30),
                    sourceLocation: sourceLocation)
        }

        /// A property of a job object, unwrapped from its variant.
        func jobProperty(_ path: ObjectPath, _ name: String) throws -> DBusValue? {
            try client.call("Get", [.string(BadInputTests.jobInterface), .string(name)], interface: .properties, path: path)
                .first?.unwrapped
        }
    }

    /// `error` has `name` and its message contains every one of `parts`.
    static func expect(_ error: BusError?, _ name: ErrorName, mentions parts: [String],
                       sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error else { return }
        #expect(error.name == name, "\(error)", sourceLocation: sourceLocation)
        for part in parts {
            #expect(error.message.contains(part), "'\(error.message)' does not mention '\(part)'", sourceLocation: sourceLocation)
        }
    }

    // MARK: Job ids

    @Test func anEmptyJobIDIsRefusedByEveryMethodThatStartsJobs() throws {
        let d = try ServingDaemon()
        let calls: [(MemberName, [DBusValue])] = [
            ("StartJob", [.string(""), .string("t"), .uint64(10), .vardict([])]),
            ("ReportProgress", [.string(""), .uint64(1), .uint64(10)]),
            ("ReportError", [.string(""), .string("boom"), .string("oom_error"), .string("")]),
            ("ReportWarning", [.string(""), .string("hmm")]),
        ]
        for (member, arguments) in calls {
            Self.expect(d.error(member, arguments), Self.invalidArgument, mentions: ["the job id is empty", Self.acceptedIDs])
        }
        try d.expectStillServing()
        #expect(try d.client.history().allSatisfy { $0["job_id"]?.stringValue == "seed" })
    }

    @Test func aJobIDOf129BytesIsRefusedNamingItsLength() throws {
        let d = try ServingDaemon()
        let id = String(repeating: "a", count: 127) + "é"  // 129 UTF-8 bytes, 128 characters
        #expect(id.utf8.count == 129)
        Self.expect(d.error("StartJob", [.string(id), .string("t"), .uint64(10), .vardict([])]), Self.invalidArgument,
                    mentions: ["129 bytes long", Self.acceptedIDs])
        Self.expect(d.error("ReportProgress", [.string(id), .uint64(1), .uint64(10)]), Self.invalidArgument,
                    mentions: ["129 bytes long", Self.acceptedIDs])
        // 128 bytes is still accepted.
        _ = try d.client.startJob(String(repeating: "b", count: 128), total: 10)
        try d.expectStillServing()
    }

    @Test(arguments: [("run\n2", "U+000A at character 4"), ("\u{1}run", "U+0001 at character 1"), ("run\u{7f}", "U+007F at character 4")])
    func aJobIDWithAControlCharacterIsRefusedNamingIt(id: String, named: String) throws {
        let d = try ServingDaemon()
        Self.expect(d.error("StartJob", [.string(id), .string("t"), .uint64(10), .vardict([])]), Self.invalidArgument,
                    mentions: ["control character \(named)", Self.acceptedIDs])
        Self.expect(d.error("ReportError", [.string(id), .string("boom"), .string(""), .string("")]), Self.invalidArgument,
                    mentions: ["control character \(named)", Self.acceptedIDs])
        try d.expectStillServing()
    }

    // MARK: Steps

    /// `trainbell run` starts a job with its title and app id as soon as a bar of unknown length
    /// shows; the total comes with the first progress that knows it.
    @Test func zeroTotalStepsAtStartJobMeansNotKnownYet() throws {
        let d = try ServingDaemon()
        let path = try #require(try d.client.startJob("run", title: "t", total: 0))
        #expect(try d.jobProperty(path, "TotalSteps") == .uint64(0))
        #expect(try d.jobProperty(path, "Title") == .string("t"))
        try d.client.progress("run", 30)
        #expect(try d.jobProperty(path, "CurrentStep") == .uint64(30))
        try d.client.progress("run", 40, total: 100)
        #expect(try d.jobProperty(path, "TotalSteps") == .uint64(100))
        #expect(try d.jobProperty(path, "Progress") == .double(0.4))
        try d.expectStillServing()
    }

    @Test func stepsBeyondTheTotalAreClampedToTheTotal() throws {
        let d = try ServingDaemon()
        let path = try #require(try d.client.startJob("run", total: 100))
        try d.client.progress("run", 250)
        #expect(try d.jobProperty(path, "CurrentStep") == .uint64(100))
        #expect(try d.jobProperty(path, "TotalSteps") == .uint64(100))
        #expect(try d.jobProperty(path, "Progress") == .double(1))
        #expect(try d.jobProperty(path, "State") == .string("completed"))
        #expect(try d.client.history("run").map { $0["type"]?.stringValue } == ["completion"])
        try d.expectStillServing()
    }

    // MARK: Urgencies and error types

    @Test func anUnknownUrgencyIsRefusedListingTheAcceptedOnes() throws {
        let d = try ServingDaemon()
        Self.expect(d.error("ReportError", [.string("seed"), .string("boom"), .string("oom_error"), .string("urgent")]),
                    Self.invalidArgument, mentions: ["urgency 'urgent' is not accepted", "low, normal, high, critical"])
        try d.expectStillServing()
    }

    @Test func anUnknownErrorTypeHasNormalUrgency() throws {
        let d = try ServingDaemon()
        let record = try #require(try d.client.call("ReportError", [.string("run"), .string("boom"), .string("my_thing"), .string("")])
            .first?.integerValue)
        let errors = try d.client.history("run")
        #expect(errors.map { $0["id"]?.integerValue } == [record])
        #expect(errors.first?["type"] == .string("error"))
        #expect(errors.first?["error_type"] == .string("my_thing"))
        #expect(errors.first?["urgency"] == .string("normal"))
        try d.expectStillServing()
    }

    @Test func anErrorTypeWithSpacesIsRefused() throws {
        let d = try ServingDaemon()
        Self.expect(d.error("ReportError", [.string("seed"), .string("boom"), .string("out of memory"), .string("")]),
                    Self.invalidArgument, mentions: ["error_type 'out of memory' is not accepted", "letters, digits", "oom_error"])
        try d.expectStillServing()
    }

    // MARK: Huge messages

    @Test func aMessageOf4MiBIsAcceptedAndStoredUpToTheCapWithAMarker() throws {
        let d = try ServingDaemon()
        let line = "Traceback line: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78 GiB total)\n"
        var message = String(repeating: line, count: (4 << 20) / line.utf8.count)
        message += String(repeating: "x", count: (4 << 20) - message.utf8.count)
        #expect(message.utf8.count == 4 << 20)
        let record = try #require(try d.client.call("ReportError", [.string("big"), .string(message), .string("oom_error"), .string("")],
                                                    timeout: 30).first?.integerValue)
        let stored = try #require(try d.client.history("big").first { $0["id"]?.integerValue == record })
        let text = try #require(stored["message"]?.stringValue)
        let marker = "\n… [truncated: \(4 << 20) bytes in all]"
        #expect(text.utf8.count == 1 << 20)
        #expect(text.hasSuffix(marker))
        #expect(message.hasPrefix(String(text.dropLast(marker.count))))
        #expect(stored["urgency"] == .string("critical"))
        try d.expectStillServing()
    }

    // MARK: Options

    @Test func unknownOptionKeysAreIgnored() throws {
        let d = try ServingDaemon()
        let path = try #require(try d.client.startJob("run", title: "Run", total: 10, options: [
            ("colour", .string("red")), ("priority", .int32(3)), ("milestones-extra", .array(.uint32, [.uint32(5)])),
        ]))
        #expect(path == "/org/trainbell/TrainBell1/job/run")
        #expect(try d.jobProperty(path, "Title") == .string("Run"))
        // No notification server: shown nowhere, so the server id is 0.
        #expect(try d.client.call("Send", [.string("Hello"), .string("body"), .vardict([("flavour", .string("mint"))])])
            == [.uint32(0)])
        try d.expectStillServing()
    }

    @Test func anAppIDThatIsNotAStringIsRefusedNamingTheOption() throws {
        let d = try ServingDaemon()
        Self.expect(d.error("StartJob", [.string("run"), .string("t"), .uint64(10), .vardict([("app-id", .int32(7))])]),
                    Self.invalidArgument, mentions: ["option 'app-id'", "s (string)", "got 'i'"])
        Self.expect(d.error("GetNotifications", [.string("run")]), Self.unknownJob, mentions: ["'run'"])
        try d.expectStillServing()
    }

    @Test func milestonesGivenAsAStringAreRefusedNamingTheOption() throws {
        let d = try ServingDaemon()
        Self.expect(d.error("StartJob", [.string("run"), .string("t"), .uint64(10), .vardict([("milestones", .string("25,50"))])]),
                    Self.invalidArgument, mentions: ["option 'milestones'", "au", "got 's'"])
        try d.expectStillServing()
    }

    @Test(arguments: [0, 150] as [UInt32])
    func aMilestoneOutOfRangeIsRefusedNamingTheOption(milestone: UInt32) throws {
        let d = try ServingDaemon()
        Self.expect(d.error("StartJob", [.string("run"), .string("t"), .uint64(10),
                                         .vardict([("milestones", .array(.uint32, [.uint32(50), .uint32(milestone)]))])]),
                    Self.invalidArgument, mentions: ["option 'milestones'", "milestone \(milestone)", "1 to 100"])
        try d.expectStillServing()
    }

    // MARK: Send

    @Test func sendWithAnOddNumberOfActionStringsIsRefused() throws {
        let d = try ServingDaemon()
        Self.expect(d.error("Send", [.string("Question"), .string("Continue?"),
                                     .vardict([("actions", .array(.string, [.string("yes"), .string("Yes"), .string("no")]))])]),
                    Self.invalidArgument, mentions: ["option 'actions'", "pairs: key, label", "got 3 strings"])
        try d.expectStillServing()
    }

    @Test func sendWithAnEmptySummaryIsRefused() throws {
        let d = try ServingDaemon()
        Self.expect(d.error("Send", [.string(""), .string("body"), .vardict([])]), Self.invalidArgument,
                    mentions: ["summary must not be empty"])
        try d.expectStillServing()
    }

    // MARK: SetProgress

    @Test(arguments: [(Double.nan, "nan"), (2.5, "2.5")])
    func setProgressOutsideItsRangeIsRefused(value: Double, shown: String) throws {
        let d = try ServingDaemon()
        Self.expect(d.error("SetProgress", [.string("org.example.Trainer"), .double(value)]), Self.invalidArgument,
                    mentions: ["value \(shown) is not accepted", "0.0 to 0.99 shows progress, 1.0 completes, -1 removes"])
        try d.expectStillServing()
    }

    // MARK: Unknown jobs

    @Test func completingOrCancellingAnUnknownJobIsUnknownJob() throws {
        let d = try ServingDaemon()
        Self.expect(d.error("CompleteJob", [.string("ghost"), .string("done")]), Self.unknownJob,
                    mentions: ["no job 'ghost'", "StartJob"])
        Self.expect(d.error("CancelJob", [.string("ghost")]), Self.unknownJob, mentions: ["no job 'ghost'", "StartJob"])
        // Neither created the job.
        Self.expect(d.error("GetNotifications", [.string("ghost")]), Self.unknownJob, mentions: ["no job 'ghost'"])
        try d.expectStillServing()
    }

    @Test func theHistoryOfAnUnknownJobIsUnknownJob() throws {
        let d = try ServingDaemon()
        Self.expect(d.error("GetNotifications", [.string("ghost")]), Self.unknownJob, mentions: ["no job 'ghost'", "StartJob"])
        try d.expectStillServing()
    }

    // MARK: Wrong argument types

    @Test func aCallWithTheWrongSignatureIsInvalidArgsNamingBothSignatures() throws {
        let d = try ServingDaemon()
        let wrongTypes = Message.methodCall(destination: DaemonProcess.busName, path: DaemonProcess.path,
                                            interface: DaemonProcess.interface, member: "ReportProgress")
        try wrongTypes.append(.string("seed"), .int32(50), .int32(100))
        let missing = Message.methodCall(destination: DaemonProcess.busName, path: DaemonProcess.path,
                                         interface: DaemonProcess.interface, member: "StartJob")
        try missing.append(.string("run"), .string("title"), .uint64(10))
        for (message, expected, actual) in [(wrongTypes, "stt", "sii"), (missing, "ssta{sv}", "sst")] {
            #expect {
                _ = try d.client.connection.call(message, timeout: 10)
            } throws: { error in
                let e = error as? BusError
                return e?.name == .invalidArgs && e?.message.contains("expects arguments of signature '\(expected)'") == true
                    && e?.message.contains("got '\(actual)'") == true
            }
        }
        // The right call again reaches the method (the one before the wrong ones went by the hot path).
        try d.client.progress("seed", 30)
        try d.expectStillServing()
    }

    // MARK: Floods

    @Test func aFloodOfNoReplyProgressIsHandledInOrderAndTheNextCallIsAnswered() throws {
        let d = try ServingDaemon()
        let path = try #require(try d.client.startJob("flood", total: 4000))
        for step in 1...2000 as ClosedRange<UInt64> {
            try d.client.connection.callNoReply(destination: DaemonProcess.busName, path: DaemonProcess.path,
                                                interface: DaemonProcess.interface, member: "ReportProgress",
                                                [.string("flood"), .uint64(step), .uint64(0)])
        }
        #expect(try d.client.call("GetDoNotDisturb") == [.boolean(false), .string("none")])
        #expect(try d.jobProperty(path, "CurrentStep") == .uint64(2000))
        #expect(try d.jobProperty(path, "State") == .string("running"))
        // One notification per milestone crossed, none repeated.
        #expect(try d.client.history("flood").map { $0["milestone"]?.integerValue } == [25, 50])
        try d.expectStillServing()
    }
}
