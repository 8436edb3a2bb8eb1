import ArgumentParser
import DBus
import Glibc

/// `trainbell send`: `notify-send` (libnotify 0.8.1) compatible, so that `alias notify-send='trainbell send'`
/// shows no difference: the same options, read the way GOption reads them; the same `Notify` on the wire;
/// the same output and exit status. It goes through trainbelld's `Send` (Do Not Disturb policy, history)
/// when trainbelld can be reached, D-Bus activation included, and straight to `org.freedesktop.Notifications`
/// otherwise.
struct SendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a notification, like notify-send.",
        usage: "trainbell send [OPTION…] <SUMMARY> [BODY]",
        discussion: """
            Options (those of libnotify 0.8.1's notify-send):
              -u, --urgency=LEVEL          low, normal or critical
              -t, --expire-time=TIME       milliseconds (-1 server default, 0 never)
              -a, --app-name=APP_NAME      the application name (default notify-send)
              -i, --icon=ICON              an icon file name or themed icon name
              -c, --category=TYPE[,TYPE…]  the notification category
              -e, --transient              not kept by the server
              -h, --hint=TYPE:NAME:VALUE   an extra hint; TYPE: int, double, string,
                                           byte, boolean or variant (GVariant text:
                                           variant:x-id:"<int64 5>")
              -p, --print-id               print the notification's id
              -r, --replace-id=ID          replace the notification with this id
              -w, --wait                   wait until the notification is closed
              -A, --action=[NAME=]Text     an action (repeatable); implies --wait;
                                           prints the chosen NAME, or its index
                                           from 0 when unnamed
              -v, --version                print the version
              -?, --help                   this help
            BODY takes backslash escapes (\\n, \\t, \\\\). Options may follow SUMMARY;
            -- ends them.

            Through trainbelld the notification follows its Do Not Disturb policy and is \
            kept in its history (type custom); when trainbelld cannot be reached it goes \
            to the notification server directly. Either way the server receives what \
            notify-send would send.

            Examples:
              trainbell send "Backup done" "42 files"
              trainbell send -u critical -A retry=Retry -A Ignore "Training failed"

            Exit status (as notify-send): 0 sent; 1 bad arguments, or the notification \
            could not be shown.
            """,
        helpNames: [])

    /// Everything after `send`: read by `NotifySendArguments`, GOption's way, not by ArgumentParser's.
    @Argument(parsing: .captureForPassthrough, help: "notify-send's options, SUMMARY and BODY.")
    var arguments: [String] = []

    /// The hot path, without ArgumentParser's machinery (`trainbell send` replaces notify-send and
    /// must start as fast): the exit status, or nil for `--help`, which ArgumentParser prints.
    static func runDirectly(_ arguments: [String]) -> Int32? {
        let parsed: NotifySendArguments
        do {
            parsed = try NotifySendArguments(parsing: arguments)
        } catch {
            return Self.exit(error.message).rawValue
        }
        if parsed.help { return nil }
        do {
            try SendCommand(arguments: arguments).send(parsed)
            return 0
        } catch let code as ExitCode {
            return code.rawValue
        } catch {
            return 1
        }
    }

    func run() throws {
        let parsed: NotifySendArguments
        do {
            parsed = try NotifySendArguments(parsing: arguments)
        } catch {
            throw Self.exit(error.message)
        }
        try send(parsed)
    }

    init() {}

    init(arguments: [String]) {
        self.arguments = arguments
    }

    private func send(_ parsed: NotifySendArguments) throws {
        if parsed.help {
            print(TrainBellCommand.helpMessage(for: SendCommand.self))
            return
        }
        if parsed.version {
            print("notify-send 0.8.1 (trainbell \(TrainBellCommand.version))")
            return
        }
        guard let summary = parsed.positionals.first, !summary.isEmpty else { throw Self.exit("No summary specified.") }
        guard parsed.positionals.count <= 2 else { throw Self.exit("Invalid number of options.") }
        if parsed.replaceID < 0 {
            printError("trainbell: value \"\(parsed.replaceID)\" is invalid or out of range for the replace id; replacing nothing")
        }
        let code = NotifySendDelivery(arguments: parsed).run()
        if code != 0 { throw ExitCode(code) }
    }

    /// notify-send's way out for bad input: the message alone on stderr, status 1.
    static func exit(_ message: String) -> ExitCode {
        printError(message)
        return ExitCode(1)
    }
}
