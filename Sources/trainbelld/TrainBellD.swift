import ArgumentParser
import Glibc
import Logging
import TrainBellDaemon

/// `trainbelld`: the user-session daemon. Usually started by systemd or D-Bus activation.
@main
struct TrainBellD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trainbelld",
        abstract: "Desktop notifications for machine-learning training (the session daemon).",
        discussion: """
            trainbelld owns org.trainbell.TrainBell1 on the session bus. Trainers report progress, errors and \
            completion to it over D-Bus (or with the trainbell command); it shows desktop notifications at \
            milestones, on errors and on completion, respects Do Not Disturb, and keeps a history.

            It is normally started on demand by D-Bus activation or by systemd \
            (systemctl --user start trainbelld). Logs go to stderr (the journal under systemd).

            Files:
              $XDG_CONFIG_HOME/trainbell/config   configuration (see trainbell(5)); re-read on SIGHUP
              $XDG_STATE_HOME/trainbell/          history.sqlite3 and error details

            Exit status: 0 stopped by a signal or replaced; 1 cannot start or lost the bus; 2 the name is taken.
            """,
        version: "trainbelld \(Daemon.version)")

    @Option(name: .long, help: ArgumentHelp("Connect to this bus address instead of the session bus (for tests).", valueName: "address"))
    var address: String?

    @Flag(name: .long, help: "Take the name over from a running trainbelld, which then exits.")
    var replace = false

    @Option(name: .long, help: ArgumentHelp("The configuration file.", valueName: "path"))
    var config: String = Self.defaultConfigPath

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("Where the history and error details are kept.", valueName: "directory"))
    var stateDirectory: String = Daemon.Options.defaultStateDirectory

    @Option(name: .customLong("log-level"), help: ArgumentHelp("error, warning, info or debug.", valueName: "level"))
    var logLevel: LogLevelArgument = .info

    static var defaultConfigPath: String {
        if let x = getenv("XDG_CONFIG_HOME").map({ String(cString: $0) }), x.hasPrefix("/") { return x + "/trainbell/config" }
        return (getenv("HOME").map { String(cString: $0) } ?? "") + "/.config/trainbell/config"
    }

    func run() throws {
        let level = logLevel.level
        LoggingSystem.bootstrap { JournalLogHandler(label: $0, level: level) }
        let log = Logger(label: "trainbelld")
        do {
            let daemon = try Daemon(options: .init(address: address, replace: replace, configPath: config,
                                                   stateDirectory: stateDirectory), log: log)
            try daemon.start()
            let code = daemon.run()
            if code != 0 { throw ExitCode(code) }
        } catch let failure as Daemon.Failure {
            log.error("\(failure.message)")
            throw ExitCode(failure.exitCode)
        }
    }
}

/// `--log-level`.
enum LogLevelArgument: String, ExpressibleByArgument, CaseIterable {
    case error, warning, info, debug

    var level: Logger.Level {
        switch self {
        case .error: .error
        case .warning: .warning
        case .info: .info
        case .debug: .debug
        }
    }
}
