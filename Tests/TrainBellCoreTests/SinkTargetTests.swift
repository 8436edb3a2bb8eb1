import Testing
@testable import TrainBellCore

/// The request each sink type makes for an event, exactly (no I/O: `SinkTarget.request` is pure):
/// ntfy's method, URL, headers and body; the webhook presets' JSON, hostile text included; the mail's
/// headers and body; the MQTT payload; the command's argv, standard input and environment.
@Suite struct SinkTargetTests {
    static let oom = SinkEvent(kind: .error, title: "Training Error", message: "CUDA out of memory", job: "gpu-07/run-42", host: "gpu-07",
                               urgency: "critical", errorType: "oom_error", time: 1_764_750_000.25, record: 1234)
    static let done = SinkEvent(kind: .completion, title: "Training Complete! 🎉", message: "Llama LoRA finished after 1000 steps.",
                                job: "llama", time: 1_764_750_000, record: 7)
    /// Text a training log (or a hostile peer) may hold: quotes, braces, placeholders, control characters, line ends.
    static let hostile = SinkEvent(kind: .error, title: "He said \"stop\"}\r\nX-Injected: 1", message: "{\"a\": 1}\n\t{title} \\ \u{1}\u{7f} <!channel> @everyone & more",
                                   job: "run-\"1\"", urgency: "high", errorType: "data_error", time: 5, record: 9)

    struct HTTP: Equatable {
        var method: String, url: String, headers: [String], body: String
    }

    static func http(_ request: SinkRequest) -> HTTP? {
        guard case .http(let method, let url, let headers, let body) = request else { return nil }
        return HTTP(method: method, url: url, headers: headers, body: body)
    }

    // MARK: ntfy

    @Test func ntfyPostsTheMessageToTheTopicWithTitlePriorityTagsActionsAndToken() throws {
        let target = SinkTarget.ntfy(server: "https://ntfy.example.org/", topic: "alerts", detailsURL: "https://desk.example/r/{record}?x={record}")
        let request = try #require(Self.http(target.request(for: Self.oom, token: "tk_abc", id: 1)))
        #expect(request == HTTP(method: "POST", url: "https://ntfy.example.org/alerts",
                                headers: ["Title: Training Error", "Priority: 5", "Tags: rotating_light,trainbell,gpu-07,oom_error",
                                          "Actions: view, View Details, https://desk.example/r/1234?x=1234", "Authorization: Bearer tk_abc"],
                                body: "CUDA out of memory on gpu-07"))
    }

    @Test func ntfyWithoutTokenOrDetailsURLHasNeitherHeader() throws {
        let plain = try #require(Self.http(SinkTarget.ntfy(server: "https://ntfy.sh", topic: "t", detailsURL: nil).request(for: Self.done, token: nil, id: 1)))
        #expect(plain.headers == ["Title: =?UTF-8?B?VHJhaW5pbmcgQ29tcGxldGUhIPCfjok=?=", "Priority: 3", "Tags: tada,trainbell"])
        #expect(plain.url == "https://ntfy.sh/t" && plain.body == "Llama LoRA finished after 1000 steps.")
        // A details URL but no record (a test message): no action to a record that does not exist.
        var unrecorded = Self.done
        unrecorded.record = 0
        let none = try #require(Self.http(SinkTarget.ntfy(server: "https://ntfy.sh", topic: "t", detailsURL: "https://d/{record}").request(for: unrecorded, token: nil, id: 1)))
        #expect(!none.headers.contains { $0.hasPrefix("Actions:") })
    }

    @Test func aMessageAlreadyNamingItsHostIsNotExtended() {
        var event = Self.oom
        event.message = "run-42 failed on gpu-07"
        #expect(event.messageWithHost == "run-42 failed on gpu-07")
        event.host = ""
        event.message = "CUDA out of memory"
        #expect(event.messageWithHost == "CUDA out of memory")
    }

    @Test func aTitleWithLineEndsCannotAddAHeader() throws {
        let request = try #require(Self.http(SinkTarget.ntfy(server: "https://ntfy.sh", topic: "t", detailsURL: nil).request(for: Self.hostile, token: nil, id: 1)))
        #expect(request.headers[0] == "Title: He said \"stop\"}  X-Injected: 1")
        for header in request.headers {
            #expect(!header.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }, "\(header)")
        }
    }

    @Test(arguments: [
        (SinkEvent.Kind.error, "critical", 5), (.error, "high", 4), (.error, "normal", 4), (.stall, "normal", 4),
        (.completion, "critical", 4), (.warning, "high", 3), (.completion, "normal", 3), (.digest, "normal", 3), (.custom, "normal", 3),
        (.completion, "low", 2), (.progress, "normal", 2),
    ])
    func ntfyPriorityFollowsKindAndUrgency(_ kind: SinkEvent.Kind, _ urgency: String, _ priority: Int) {
        #expect(SinkEvent(kind: kind, title: "t", message: "m", urgency: urgency, time: 0).ntfyPriority == priority)
    }

    @Test(arguments: [
        (SinkEvent.Kind.error, "rotating_light"), (.completion, "tada"), (.warning, "warning"), (.stall, "hourglass"),
        (.progress, "chart_with_upwards_trend"), (.digest, "bell"), (.custom, "bell"),
    ])
    func ntfyTagsStartWithTheKindsEmoji(_ kind: SinkEvent.Kind, _ emoji: String) {
        #expect(SinkEvent(kind: kind, title: "t", message: "m", time: 0).ntfyTags == [emoji, "trainbell"])
    }

    @Test func aLongMessageIsCutToWhatNtfyShowsAsText() throws {
        var event = Self.done
        event.message = String(repeating: "é", count: 3_000)  // 6,000 bytes
        let request = try #require(Self.http(SinkTarget.ntfy(server: "https://ntfy.sh", topic: "t", detailsURL: nil).request(for: event, token: nil, id: 1)))
        #expect(request.body.utf8.count <= 4_096 && request.body.hasSuffix("…") && request.body.hasPrefix("éé"))
    }

    // MARK: Non-ASCII header text

    @Test(arguments: [
        ("Training Error", "Training Error"),
        ("Fehler: Größe", "=?UTF-8?B?RmVobGVyOiBHcsO2w59l?="),
        ("a\r\nb\tc\u{7f}", "a  b c "),
        ("", ""),
    ])
    func headerTextIsASCIIOrOneEncodedWord(_ text: String, _ expected: String) {
        #expect(HeaderText.encoded(text) == expected)
    }

    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")])
    func base64IsRFC4648(_ text: String, _ expected: String) {
        #expect(Base64.encode(Array(text.utf8)) == expected)
    }

    // MARK: Webhooks

    @Test func slackPostsTextWithTheTitleInBold() throws {
        let request = try #require(Self.http(SinkTarget.webhook(url: "https://hooks.slack.com/services/T/B/X", preset: .slack).request(for: Self.oom, token: "ignored", id: 1)))
        #expect(request == HTTP(method: "POST", url: "https://hooks.slack.com/services/T/B/X", headers: ["Content-Type: application/json"],
                                body: #"{"text": "*Training Error*\nCUDA out of memory on gpu-07"}"#))
    }

    @Test func discordPostsContentAndAllowsNoMentions() throws {
        let request = try #require(Self.http(SinkTarget.webhook(url: "https://discord.com/api/webhooks/1/t", preset: .discord).request(for: Self.oom, token: nil, id: 1)))
        #expect(request == HTTP(method: "POST", url: "https://discord.com/api/webhooks/1/t", headers: ["Content-Type: application/json"],
                                body: #"{"content": "**Training Error**\nCUDA out of memory on gpu-07", "allowed_mentions": {"parse": []}}"#))
    }

    @Test func matrixPutsAMessageWithTheItemsTransactionIdAndTheToken() throws {
        let target = SinkTarget.webhook(url: "https://matrix.example.org/", preset: .matrix(room: "!AbC:example.org"))
        let request = try #require(Self.http(target.request(for: Self.oom, token: "syt_x", id: 42)))
        #expect(request == HTTP(method: "PUT", url: "https://matrix.example.org/_matrix/client/v3/rooms/%21AbC%3Aexample.org/send/m.room.message/trainbell-42",
                                headers: ["Content-Type: application/json", "Authorization: Bearer syt_x"],
                                body: #"{"msgtype": "m.text", "body": "Training Error\nCUDA out of memory on gpu-07", "m.mentions": {}}"#))
        // A retry of the same item is the same request: Matrix drops it by its transaction id.
        #expect(target.request(for: Self.oom, token: "syt_x", id: 42) == target.request(for: Self.oom, token: "syt_x", id: 42))
    }

    @Test func rawFillsEveryPlaceholderJSONEscapedAndLeavesOtherBraces() throws {
        let template = #"{"t": "{title}", "m": "{message}", "j": "{job}", "h": "{host}", "k": "{kind}", "u": "{urgency}", "e": "{error_type}", "at": {time}, "x": "{nope}", "o": {"n": 1}}"#
        let request = try #require(Self.http(SinkTarget.webhook(url: "http://127.0.0.1:8080/hook", preset: .raw(template: template)).request(for: Self.oom, token: "s3", id: 1)))
        #expect(request == HTTP(method: "POST", url: "http://127.0.0.1:8080/hook", headers: ["Content-Type: application/json", "Authorization: Bearer s3"],
                                body: #"{"t": "Training Error", "m": "CUDA out of memory on gpu-07", "j": "gpu-07/run-42", "h": "gpu-07", "k": "error", "u": "critical", "e": "oom_error", "at": 1764750000.25, "x": "{nope}", "o": {"n": 1}}"#))
    }

    /// Hostile text stays inside its JSON strings: the body parses, each value is the text itself,
    /// no raw control character is sent, and a placeholder inside a message is not filled.
    @Test(arguments: [
        WebhookPreset.slack, .discord, .matrix(room: "!r:h"), .raw(template: #"{"title": "{title}", "message": "{message}", "job": "{job}"}"#),
    ])
    func hostileTextStaysInsideItsJSONString(_ preset: WebhookPreset) throws {
        let request = try #require(Self.http(SinkTarget.webhook(url: "https://h.example", preset: preset).request(for: Self.hostile, token: nil, id: 1)))
        #expect(!request.body.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }, "\(request.body)")
        let value = try JSONParser.parse(request.body)
        let message = Self.hostile.message
        switch preset {
        case .slack:
            #expect(value["text"]?.stringValue
                == "*He said \"stop\"}\r\nX-Injected: 1*\n{\"a\": 1}\n\t{title} \\ \u{1}\u{7f} &lt;!channel&gt; @everyone &amp; more")
        case .discord:
            #expect(value["content"]?.stringValue == "**\(Self.hostile.title)**\n\(message)")
            #expect(value["allowed_mentions"]?["parse"] == .array([]))
        case .matrix:
            #expect(value["body"]?.stringValue == "\(Self.hostile.title)\n\(message)")
        case .raw:
            #expect(value["title"]?.stringValue == Self.hostile.title)
            #expect(value["message"]?.stringValue == message)
            #expect(value["job"]?.stringValue == "run-\"1\"")
        }
    }

    @Test func theBuiltInRawTemplateIsJSONOfTheEvent() throws {
        let template = #"{"title": "{title}", "message": "{message}", "job": "{job}", "host": "{host}", "event": "{kind}"}"#
        let request = try #require(Self.http(SinkTarget.webhook(url: "https://h.example", preset: .raw(template: template)).request(for: Self.hostile, token: nil, id: 1)))
        let value = try JSONParser.parse(request.body)
        #expect(value["event"]?.stringValue == "error" && value["host"]?.stringValue == "")
    }

    @Test func discordAndMatrixGetAtMostWhatTheyTake() throws {
        var event = Self.oom
        event.message = String(repeating: "x", count: 100_000)
        let discord = try #require(Self.http(SinkTarget.webhook(url: "https://d", preset: .discord).request(for: event, token: nil, id: 1)))
        let content = try #require(try JSONParser.parse(discord.body)["content"]?.stringValue)
        #expect(content.utf16.count <= 2_000 && content.hasSuffix("…") && content.hasPrefix("**Training Error**\nxxx"))
        let matrix = try #require(Self.http(SinkTarget.webhook(url: "https://m", preset: .matrix(room: "!r:m")).request(for: event, token: nil, id: 1)))
        #expect(matrix.body.utf8.count < 65_536)
        let slack = try #require(Self.http(SinkTarget.webhook(url: "https://s", preset: .slack).request(for: event, token: nil, id: 1)))
        #expect(try #require(try JSONParser.parse(slack.body)["text"]?.stringValue).count <= 40_000)
    }

    // MARK: Email

    @Test func theMailHasRFC5322HeadersAndThePlainTextDetails() throws {
        let target = SinkTarget.email(url: "smtps://mail.example.org", from: "tb@example.org", to: ["a@example.org", "b@example.org"], user: "alice")
        guard case .mail(let url, let from, let to, let text) = target.request(for: Self.oom, token: "pw", id: 3, date: "Thu, 03 Dec 2026 16:00:00 +0000", hostName: "desk")
        else { Issue.record("not a mail"); return }
        #expect(url == "smtps://mail.example.org" && from == "tb@example.org" && to == ["a@example.org", "b@example.org"])
        #expect(text == [
            "Date: Thu, 03 Dec 2026 16:00:00 +0000", "From: trainbell <tb@example.org>", "To: a@example.org, b@example.org",
            "Subject: Training Error (gpu-07)", "Message-ID: <trainbell.3.1764750000.25@desk>", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "X-Trainbell-Event: error", "",
            "CUDA out of memory on gpu-07", "", "Job: gpu-07/run-42", "Host: gpu-07", "Error type: oom_error", "Urgency: critical", "-- ", "trainbell", "",
        ].joined(separator: "\r\n"))
        // The password is curl's business, never the mail's.
        #expect(!text.contains("pw"))
    }

    @Test func aTitleWithLineEndsCannotAddAMailHeader() throws {
        guard case .mail(_, _, _, let text) = SinkTarget.email(url: "smtp://127.0.0.1:2525", from: "a@b", to: ["c@d"], user: nil)
            .request(for: Self.hostile, token: nil, id: 1, date: "D", hostName: "h")
        else { Issue.record("not a mail"); return }
        let head = try #require(text.split(separator: "\r\n\r\n", maxSplits: 1, omittingEmptySubsequences: false).first)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        #expect(lines.count == 9)
        #expect(lines.contains("Subject: He said \"stop\"}  X-Injected: 1"))
        #expect(!lines.contains { $0.hasPrefix("X-Injected") })
        #expect(!head.replacing("\r\n", with: "").contains("\n") && !head.replacing("\r\n", with: "").contains("\r"))
        // The body's line ends are all CRLF, none bare.
        let body = try #require(text.split(separator: "\r\n\r\n", maxSplits: 1, omittingEmptySubsequences: false).last)
        #expect(!body.replacing("\r\n", with: "").contains("\n") && !body.replacing("\r\n", with: "").contains("\r"))
        #expect(body.hasPrefix("{\"a\": 1}\r\n\t{title} \\ \u{1}\u{7f} <!channel> @everyone & more\r\n\r\nJob: run-\"1\"\r\n"))
    }

    /// A message of `trainbell run` may hold a progress bar's lone CR: SMTP takes no bare CR or LF.
    @Test func bareLineEndsOfTheMessageBecomeCRLF() throws {
        var event = Self.done
        event.message = "epoch 1\r 10%\r 20%\nloss\r\n\nend\r"
        guard case .mail(_, _, _, let text) = SinkTarget.email(url: "smtps://m", from: "a@b", to: ["c@d"], user: nil)
            .request(for: event, token: nil, id: 1, date: "D", hostName: "h")
        else { Issue.record("not a mail"); return }
        let body = try #require(text.split(separator: "\r\n\r\n", maxSplits: 1).last)
        #expect(body.hasPrefix("epoch 1\r\n 10%\r\n 20%\r\nloss\r\n\r\nend\r\n\r\nJob: llama\r\n"))
        #expect(!text.replacing("\r\n", with: "").contains("\r") && !text.replacing("\r\n", with: "").contains("\n"))
    }

    @Test func aNonASCIISubjectIsOneEncodedWord() throws {
        var event = Self.done
        event.title = "Größe"
        event.host = "gpu-07"
        guard case .mail(_, _, _, let text) = SinkTarget.email(url: "smtps://m", from: "a@b", to: ["c@d"], user: nil)
            .request(for: event, token: nil, id: 1, date: "D", hostName: "h")
        else { Issue.record("not a mail"); return }
        #expect(text.contains("\r\nSubject: =?UTF-8?B?R3LDtsOfZSAoZ3B1LTA3KQ==?=\r\n"))
    }

    // MARK: MQTT and command

    @Test func mqttPublishesTheEventsJSON() {
        #expect(SinkTarget.mqtt(topic: "home/desk/trainbell").request(for: Self.oom, token: nil, id: 1)
            == .publish(topic: "home/desk/trainbell", payload: #"{"v": 1, "kind": "error", "title": "Training Error", "message": "CUDA out of memory", "job": "gpu-07/run-42", "host": "gpu-07", "urgency": "critical", "error_type": "oom_error", "time": 1764750000.25, "record": 1234}"#))
    }

    @Test func theCommandGetsItsArgvUnchangedTheJSONOnStdinAndTheVariables() throws {
        let argv = ["apprise", "-vv", "-t", "{title}", "$TRAINBELL_MESSAGE", "json://localhost:8000"]
        guard case .run(let arguments, let input, let environment) = SinkTarget.command(argv).request(for: Self.hostile, token: "unused", id: 1)
        else { Issue.record("not a run"); return }
        #expect(arguments == argv)
        #expect(input == Self.hostile.json + "\n" && input.filter { $0 == "\n" }.count == 1)
        let parsed = try #require(SinkEvent(json: Self.hostile.json))
        #expect(parsed == Self.hostile)
        #expect(environment.map(\.0) == ["TRAINBELL_EVENT", "TRAINBELL_TITLE", "TRAINBELL_MESSAGE", "TRAINBELL_JOB", "TRAINBELL_HOST",
                                         "TRAINBELL_URGENCY", "TRAINBELL_ERROR_TYPE", "TRAINBELL_TIME"])
        #expect(environment.map(\.1) == ["error", Self.hostile.title, Self.hostile.message, "run-\"1\"", "", "high", "data_error", "5"])
    }

    @Test func theEventsJSONRoundTripsAndRefusesWhatItIsNot() throws {
        for event in [Self.oom, Self.done, Self.hostile] {
            #expect(SinkEvent(json: event.json) == event)
        }
        #expect(SinkEvent(json: "") == nil)
        #expect(SinkEvent(json: "[]") == nil)
        #expect(SinkEvent(json: #"{"kind": "party", "title": "t", "message": "m", "time": 1}"#) == nil)
        #expect(SinkEvent(json: #"{"kind": "error", "title": "t", "time": 1}"#) == nil)
        #expect(SinkEvent(json: #"{"kind": "error", "title": "t", "message": "m", "time": 1, "record": -5}"#)?.record == 0)
        var odd = Self.done
        odd.time = .nan
        #expect(odd.json.contains(#""time": 0"#))
    }
}
