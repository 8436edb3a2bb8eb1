import ArgumentParser
import DBus
import TrainBellAPI

/// `trainbell sink`: the sinks of `[sink NAME]` (phone, chat, mail) — what went out, and a test.
struct SinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink",
        abstract: "Show the sinks ([sink NAME]: ntfy, webhook, email, mqtt, command) or send one a test message.",
        discussion: """
            Sinks carry errors, completions and stalls beyond the desktop, by default only while you \
            are away (screen locked or idle; see 'trainbell status'). They are [sink NAME] sections of \
            $XDG_CONFIG_HOME/trainbell/config (usually ~/.config/trainbell/config); see trainbell(5). \
            Each event waits in an outbox until its sink took it, and is tried again after a failure.

            Examples:
              trainbell sink                  a line per sink: sent, waiting, failed
              trainbell sink test phone       a test message to [sink phone] now
            """,
        subcommands: [SinkListCommand.self, SinkTestCommand.self],
        defaultSubcommand: SinkListCommand.self)
}

/// `trainbell sink list`: a line per sink.
struct SinkListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show each sink: what it sent, what waits, what failed, and its last answer.")

    func run() throws {
        try reporting {
            let service = try Service.connect()
            let lines = try service.call(TrainBellObjects.getAllProperties, Service.interface.rawValue).value["SinkStatus"]?.unwrapped
            guard case .array(_, let items)? = lines, !items.isEmpty else {
                print("No sink is configured. Add a [sink NAME] section to the configuration (see trainbell(5)), then 'systemctl --user reload trainbelld'.")
                return
            }
            for item in items { print(item.stringValue ?? "") }
        }
    }
}

/// `trainbell sink test NAME`: a test message now, and what the sink answered.
struct SinkTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Send a test message to sink NAME now and print what it answered.",
        discussion: """
            The message ("trainbell test") goes whatever the sink's events and when, and not through \
            the outbox: a failure is printed, not retried. After editing the configuration, apply it \
            first: systemctl --user reload trainbelld.

            Exit status: 0 the sink took it ("sink phone answered: HTTP 200: ..."); 1 it did not (its \
            answer is printed) or no sink has that name; 69 trainbelld cannot be reached.
            """)

    @Argument(help: "The sink's name, as in [sink NAME].")
    var name: String

    func run() throws {
        try reporting {
            let answer = try Service.connect().call(TrainBell1.testSink, name, timeout: 330).value
            print("sink \(name) answered: \(answer)")
        }
    }
}
