import Logging
import Testing

@testable import TrainBellDaemon

/// `trainbelld`'s hand-written command line: every flag in both spellings, the defaults of the
/// environment, and a clear usage error for everything else. (`trainbelld` as a process — its exit
/// codes and output — is `IntegrationTests/DaemonCommandLineTests`.)
@Suite struct DaemonCommandLineParsingTests {
    static let environment: [String: String] = ["HOME": "/home/ada", "XDG_STATE_HOME": "/state", "XDG_CONFIG_HOME": "/config"]

    static func parse(_ arguments: [String], environment: [String: String] = environment) -> DaemonCommandLine.Action {
        DaemonCommandLine.parse(arguments, environment: { environment[$0] })
    }

    static func options(_ arguments: [String]) throws -> DaemonCommandLine {
        guard case .run(let options) = parse(arguments) else {
            Issue.record("\(arguments) did not parse: \(parse(arguments))")
            throw CancellationError()
        }
        return options
    }

    static func usageError(_ arguments: [String]) -> String? {
        if case .usageError(let message) = parse(arguments) { return message }
        return nil
    }

    @Test func noArgumentsServeTheSessionBusWithTheDefaultsOfTheEnvironment() throws {
        let options = try Self.options([])
        #expect(options.address == nil)
        #expect(!options.replace)
        #expect(options.configPath == "/config/trainbell/config")
        #expect(options.stateDirectory == "/state/trainbell")
        #expect(options.logLevel == .info)
    }

    @Test func withoutXDGVariablesTheDefaultsAreUnderHome() throws {
        guard case .run(let options) = Self.parse([], environment: ["HOME": "/home/ada/", "XDG_STATE_HOME": "relative"]) else {
            Issue.record("no run")
            return
        }
        #expect(options.configPath == "/home/ada/.config/trainbell/config")
        // A relative XDG_STATE_HOME does not count (XDG Base Directory specification).
        #expect(options.stateDirectory == "/home/ada/.local/state/trainbell")
    }

    @Test(arguments: [
        ["--address", "unix:path=/tmp/bus", "--replace", "--config", "/c", "--state-dir", "/s", "--log-level", "debug"],
        ["--address=unix:path=/tmp/bus", "--replace", "--config=/c", "--state-dir=/s", "--log-level=debug"],
    ])
    func everyFlagInBothSpellings(_ arguments: [String]) throws {
        let options = try Self.options(arguments)
        #expect(options.address == "unix:path=/tmp/bus")
        #expect(options.replace)
        #expect(options.configPath == "/c")
        #expect(options.stateDirectory == "/s")
        #expect(options.logLevel == .debug)
    }

    @Test func anAddressMayHoldEqualsSigns() throws {
        #expect(try Self.options(["--address=unix:path=/run/bus,guid=abc"]).address == "unix:path=/run/bus,guid=abc")
    }

    @Test(arguments: ["--help", "-h", "help"])
    func helpShowsTheFlagsAndTheDefaults(_ flag: String) {
        guard case .print(let text) = Self.parse(["--log-level", "debug", flag]) else {
            Issue.record("\(flag) does not print help")
            return
        }
        for part in ["--address <address>", "--replace", "--config <path>", "--state-dir <directory>", "--log-level <level>",
                     "(default: /config/trainbell/config)", "(default: /state/trainbell)", "trainbell(5)", "Exit status"] {
            #expect(text.contains(part), "help lacks \(part)")
        }
    }

    @Test func versionIsTheDaemonsVersion() {
        #expect(Self.parse(["--version"]) == .print("trainbelld \(Daemon.version)\n"))
    }

    @Test(arguments: [
        (["--bogus"], "Unknown option '--bogus'."),
        (["--bogus=1"], "Unknown option '--bogus'."),
        (["serve"], "Unexpected argument 'serve': trainbelld takes flags only."),
        (["--config"], "Missing value for '--config <path>'."),
        (["--log-level"], "Missing value for '--log-level <level>'."),
        (["--replace=yes"], "The flag '--replace' takes no value (given 'yes')."),
        (["--config="], "The value of '--config' is empty; give the path of a configuration file."),
        (["--log-level", "loud"],
         "The value 'loud' is invalid for '--log-level <level>'. Please provide one of 'error', 'warning', 'info' or 'debug'."),
        (["--generate-completion-script", "tcsh"],
         "The value 'tcsh' is invalid for '--generate-completion-script <shell>'. Please provide one of 'bash', 'zsh' or 'fish'."),
    ])
    func wrongArgumentsAreUsageErrorsNamingWhatWasWrong(_ arguments: [String], _ message: String) {
        #expect(Self.usageError(arguments) == message)
    }

    @Test func theFirstErrorWinsAndNothingAfterItIsRead() {
        #expect(Self.usageError(["--bogus", "--help"]) == "Unknown option '--bogus'.")
    }

    @Test(arguments: DaemonCommandLine.shells)
    func completionScriptsNameEveryFlag(_ shell: String) {
        guard case .print(let script) = Self.parse(["--generate-completion-script", shell]) else {
            Issue.record("no \(shell) script")
            return
        }
        for flag in ["address", "replace", "config", "state-dir", "log-level", "version", "help"] {
            #expect(script.contains(flag), "\(shell) script lacks \(flag)")
        }
        #expect(script.contains("error warning info debug"))
    }
}
