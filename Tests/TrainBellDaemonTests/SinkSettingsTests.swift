import Testing
import TrainBellCore

@testable import TrainBellDaemon

/// `[sink NAME]` sections: every type read with its keys and built-in values, in file order; every
/// bad value refused at the section's line, naming the key and what is accepted; no secret taken
/// from the configuration itself.
@Suite struct SinkSettingsTests {
    static func sinks(_ text: String) throws -> [SinkSettings] {
        let configuration = try Configuration.parse(text, source: "config")
        #expect(configuration.warnings == [])
        return configuration.sinks
    }

    @Test func noSectionNoSink() throws {
        #expect(Configuration().sinks == [])
        #expect(try Self.sinks("[away]\nwhen=locked\n") == [])
    }

    @Test func ntfyWithItsBuiltInValues() throws {
        let sink = try #require(try Self.sinks("[sink phone]\ntype=ntfy\ntopic=alice-trainings_7f3k\n").first)
        #expect(sink.name == "phone")
        #expect(sink.target == .ntfy(server: "https://ntfy.sh", topic: "alice-trainings_7f3k", detailsURL: nil))
        #expect(sink.events == [.error, .completion, .stall] && sink.when == .away)
        #expect(sink.ratePerMinute == 10 && sink.timeout == 15)
        #expect(sink.secretFile == nil && sink.credential == nil)
    }

    @Test func everyTypeWithEveryKeyInFileOrder() throws {
        let sinks = try Self.sinks("""
            [sink phone]
            type = ntfy
            url = http://127.0.0.1:8080
            topic = runs
            details-url = https://desk.example/r/{record}
            token-file = ~/.config/trainbell/ntfy-token
            events = error completion,warning, progress, digest, custom, stall
            when = always
            rate-limit = 600
            timeout = 300

            [sink team]
            type=webhook
            preset=slack
            url=https://hooks.slack.com/services/T/B/X

            [sink chat]
            type=webhook
            preset=discord
            url=https://discord.com/api/webhooks/1/t

            [sink room]
            type=webhook
            preset=matrix
            url=https://matrix.example.org
            room=!AbC:example.org
            credential=matrix-token

            [sink hook]
            type=webhook
            url=https://ci.example.org/hook
            template={"t": "{title}"}

            [sink plain]
            type=webhook
            url=https://ci.example.org/hook

            [sink mail]
            type=email
            url=smtps://mail.example.org
            from=tb@example.org
            to=a@example.org, b@example.org,
            user=alice
            password-file=/run/user/1000/smtp-password

            [sink home]
            type=mqtt
            topic=home/desk/trainbell

            [sink apprise]
            type=command
            command=sh -c 'exec apprise -t "$TRAINBELL_TITLE"' "a b" c\\\\ d
            rate-limit=1
            timeout=1
            """)
        #expect(sinks.map(\.name) == ["phone", "team", "chat", "room", "hook", "plain", "mail", "home", "apprise"])
        #expect(sinks.map(\.target.typeName) == ["ntfy", "webhook", "webhook", "webhook", "webhook", "webhook", "email", "mqtt", "command"])
        let phone = sinks[0]
        #expect(phone.target == .ntfy(server: "http://127.0.0.1:8080", topic: "runs", detailsURL: "https://desk.example/r/{record}"))
        #expect(phone.events == Set(SinkEvent.Kind.allCases) && phone.when == .always)
        #expect(phone.ratePerMinute == 600 && phone.timeout == 300 && phone.secretFile == "~/.config/trainbell/ntfy-token")
        #expect(sinks[1].target == .webhook(url: "https://hooks.slack.com/services/T/B/X", preset: .slack))
        #expect(sinks[2].target == .webhook(url: "https://discord.com/api/webhooks/1/t", preset: .discord))
        #expect(sinks[3].target == .webhook(url: "https://matrix.example.org", preset: .matrix(room: "!AbC:example.org")))
        #expect(sinks[3].credential == "matrix-token" && sinks[3].secretFile == nil)
        #expect(sinks[4].target == .webhook(url: "https://ci.example.org/hook", preset: .raw(template: #"{"t": "{title}"}"#)))
        #expect(sinks[5].target == .webhook(url: "https://ci.example.org/hook", preset: .raw(
            template: #"{"title": "{title}", "message": "{message}", "job": "{job}", "host": "{host}", "event": "{kind}"}"#)))
        #expect(sinks[6].target == .email(url: "smtps://mail.example.org", from: "tb@example.org", to: ["a@example.org", "b@example.org"], user: "alice"))
        #expect(sinks[6].secretFile == "/run/user/1000/smtp-password")
        #expect(sinks[7].target == .mqtt(topic: "home/desk/trainbell"))
        #expect(sinks[8].target == .command(["sh", "-c", #"exec apprise -t "$TRAINBELL_TITLE""#, "a b", "c d"]))
        #expect(sinks[8].ratePerMinute == 1 && sinks[8].timeout == 1)
    }

    @Test(arguments: ["smtp://mail.example.org:587", "SMTPS://mail.example.org"])
    func emailTakesSMTPAndSMTPS(_ url: String) throws {
        let sink = try #require(try Self.sinks("[sink m]\ntype=email\nurl=\(url)\nfrom=a@b\nto=c@d\n").first)
        #expect(sink.target == .email(url: url, from: "a@b", to: ["c@d"], user: nil))
    }

    /// What is refused, at the line of `[sink …]`, naming the key and what is accepted.
    @Test(arguments: [
        ("", "type is missing; accepted: ntfy, webhook, email, mqtt or command"),
        ("type=pager\n", "type: pager is not known; accepted: ntfy, webhook, email, mqtt or command"),
        ("type=ntfy\n", "topic is missing; accepted: the ntfy topic (letters, digits, - and _)"),
        ("type=ntfy\ntopic=a/b\n", "topic: a/b is not an ntfy topic; accepted: 1 to 64 letters, digits, - and _"),
        ("type=ntfy\ntopic=\(String(repeating: "t", count: 65))\n", "topic: \(String(repeating: "t", count: 65)) is not an ntfy topic; accepted: 1 to 64 letters, digits, - and _"),
        ("type=ntfy\ntopic=tøpic\n", "topic: tøpic is not an ntfy topic; accepted: 1 to 64 letters, digits, - and _"),
        ("type=webhook\nurl=hooks.slack.com/services/T0/B0/SECRETPART\n", "url: \"hooks.slack.…\" is not a URL; accepted: https://HOST/… or http://HOST/…"),
        ("type=ntfy\ntopic=t\nurl=ftp://ntfy.sh\n", "url: \"ftp://ntfy.s…\" is not a URL; accepted: https://HOST/… or http://HOST/…"),
        ("type=ntfy\ntopic=t\nurl=https://\n", "url: \"https://\" is not a URL; accepted: https://HOST/… or http://HOST/…"),
        ("type=ntfy\ntopic=t\nurl=https://a b\n", "url: \"https://a b\" is not a URL; accepted: https://HOST/… or http://HOST/…"),
        ("type=ntfy\ntopic=t\ndetails-url=desk/{record}\n", "details-url: \"desk/{record…\" is not a URL; accepted: https://HOST/… or http://HOST/…"),
        ("type=webhook\n", "url is missing; accepted: https://… or http://…"),
        ("type=webhook\nurl=https://h\npreset=teams\n", "preset: teams is not known; accepted: slack, discord, matrix or raw"),
        ("type=webhook\nurl=https://h\npreset=matrix\n", "room is missing; accepted: the room id (!abc:example.org)"),
        ("type=email\nurl=https://mail.example.org\nfrom=a@b\nto=c@d\n", "url: \"https://mail…\" is not a URL; accepted: smtp://HOST/… or smtps://HOST/…"),
        ("type=email\nurl=smtps://m\nto=c@d\n", "from is missing; accepted: the sender's address"),
        ("type=email\nurl=smtps://m\nfrom=a@b\n", "to is missing; accepted: one or more addresses separated by ','"),
        ("type=email\nurl=smtps://m\nfrom=me\nto=c@d\n", "from: me is not a mail address; accepted: name@domain"),
        ("type=email\nurl=smtps://m\nfrom=a@b\nto=c@d, Eve <e@f>\n", "to: Eve <e@f> is not a mail address; accepted: name@domain"),
        ("type=mqtt\n", "topic is missing; accepted: a topic of [remote] broker"),
        ("type=mqtt\ntopic=home/+/trainbell\n", "topic: home/+/trainbell has a wildcard; accepted: a topic to publish to"),
        ("type=mqtt\ntopic=home/#\n", "topic: home/# has a wildcard; accepted: a topic to publish to"),
        ("type=command\n", "command is missing; accepted: a command line (an argument vector, run without a shell)"),
        ("type=command\ncommand=apprise 'oops\n", "command: the ' at character 9 is never closed; accepted: arguments separated by spaces, quoted with '…' or \"…\", \\ making the next character plain"),
        ("type=command\ncommand='' -v\n", "command: '' -v names no program; accepted: arguments separated by spaces, quoted with '…' or \"…\", \\ making the next character plain"),
        ("type=mqtt\ntopic=t\nevents=error, oom\n", "events: oom is not an event; accepted: error, completion, warning, stall, progress, digest, custom"),
        ("type=mqtt\ntopic=t\nevents=error;completion\n", "events: error;completion is not an event; accepted: error, completion, warning, stall, progress, digest, custom"),
        ("type=mqtt\ntopic=t\nwhen=sometimes\n", "when: sometimes is not known; accepted: away or always"),
        ("type=mqtt\ntopic=t\nrate-limit=0\n", "rate-limit: 0 is out of range; accepted: a whole number from 1 to 60000"),
        ("type=mqtt\ntopic=t\nrate-limit=many\n", "rate-limit: \"many\" is not a whole number; accepted: a whole number from 1 to 60000"),
        ("type=mqtt\ntopic=t\ntimeout=301\n", "timeout: 301 is out of range; accepted: a whole number from 1 to 300"),
        ("type=mqtt\ntopic=t\ntoken-file=ntfy-token\n", "token-file: ntfy-token is relative; accepted: an absolute path or ~/…"),
        ("type=mqtt\ntopic=t\npassword-file=./pw\n", "password-file: ./pw is relative; accepted: an absolute path or ~/…"),
        ("type=mqtt\ntopic=t\ncredential=../../etc/shadow\n", "credential: ../../etc/shadow is not a credential's name; accepted: the NAME of LoadCredential=NAME:PATH (no /)"),
        ("type=mqtt\ntopic=t\ntoken-file=/a\ncredential=b\n", "token-file and credential are set together; accepted: one of token-file, password-file or credential"),
    ])
    func aBadValueIsRefusedNamingTheKeyAndWhatIsAccepted(_ keys: String, _ message: String) {
        do {
            _ = try Configuration.parse("[away]\nwhen=locked\n\n[sink phone]\n" + keys, source: "config")
            Issue.record("accepted: \(keys)")
        } catch {
            #expect("\(error)" == "config:4: [sink phone] \(message)")
        }
    }

    /// No secret is a value of the configuration (it would be in a file others may read, and in logs).
    @Test(arguments: ["token", "password", "secret"])
    func aSecretInTheConfigurationIsRefused(_ key: String) {
        do {
            _ = try Configuration.parse("[sink phone]\ntype=ntfy\ntopic=t\n\(key)=tk_live_123\n", source: "config")
            Issue.record("\(key)= was accepted")
        } catch {
            #expect("\(error)" == "config:1: [sink phone] \(key) is not read from the configuration (it would sit in a file others may read, and in logs); "
                + "accepted: token-file=PATH or password-file=PATH (its first line), or credential=NAME (systemd)")
            #expect(!"\(error)".contains("tk_live_123"))
        }
    }

    @Test(arguments: ["a b", "ph/one", "", String(repeating: "x", count: 65), "télé"])
    func aBadSinkNameIsRefused(_ name: String) {
        do {
            _ = try Configuration.parse("\n[sink \(name)]\ntype=mqtt\ntopic=t\n", source: "config")
            Issue.record("[sink \(name)] was accepted")
        } catch {
            #expect("\(error)" == "config:2: [sink \(name)]: the name is not accepted; accepted: 1 to 64 letters, digits, - and _")
        }
    }

    @Test func anUnknownKeyIsAWarningWithASuggestion() throws {
        let configuration = try Configuration.parse("[sink phone]\ntype=ntfy\ntopic=t\nrate-per-minute=5\nservr=x\n", source: "config")
        #expect(configuration.sinks.count == 1 && configuration.sinks[0].ratePerMinute == 10)
        #expect(configuration.warnings.count == 2)
        #expect(configuration.warnings.first?.hasPrefix("config:4: unknown key [sink phone] rate-per-minute is ignored; ") == true, "\(configuration.warnings)")
        #expect(configuration.warnings.last?.hasPrefix("config:5: unknown key [sink phone] servr is ignored; ") == true, "\(configuration.warnings)")
    }

    @Test func anEmptyValueKeepsTheBuiltInOne() throws {
        let sink = try #require(try Self.sinks("[sink phone]\ntype=ntfy\ntopic=t\nurl=\nevents=\nwhen=\nrate-limit=\ntimeout=\n").first)
        #expect(sink.target == .ntfy(server: "https://ntfy.sh", topic: "t", detailsURL: nil))
        #expect(sink.events == SinkSettings.defaultEvents && sink.when == .away && sink.ratePerMinute == 10 && sink.timeout == 15)
    }

    @Test func aSinkDoesNotMakeItsGroupUnknown() throws {
        let configuration = try Configuration.parse("[sink a]\ntype=mqtt\ntopic=t\n[sink b]\ntype=mqtt\ntopic=u\n[sinks]\n", source: "config")
        #expect(configuration.sinks.map(\.name) == ["a", "b"])
        #expect(configuration.warnings.count == 1 && configuration.warnings[0].hasPrefix("config:7: unknown group [sinks] is ignored"), "\(configuration.warnings)")
    }
}
