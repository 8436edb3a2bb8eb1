import Logging

/// `trainbelld`'s command line: five flags, `--help`, `--version` and the
/// completion scripts. Written by hand rather than with swift-argument-parser,
/// which brings FoundationEssentials (about 15 MB) into a daemon that has no
/// other use for it. Pure: ``parse(_:environment:)`` returns what to do and
/// never prints or exits.
public struct DaemonCommandLine: Equatable, Sendable {
    /// What the command line asks for.
    public enum Action: Equatable, Sendable {
        /// Serve the bus.
        case run(DaemonCommandLine)
        /// Print this text on standard output and exit 0 (`--help`, `--version`, a completion script).
        case print(String)
        /// Print this message, then a hint at `--help`, on standard error and exit 64 (`EX_USAGE`).
        case usageError(String)
    }

    public var address: String?
    public var replace = false
    public var configPath: String
    public var stateDirectory: String
    public var logLevel: Logger.Level = .info

    /// The accepted `--log-level` values, most to least severe.
    public static let logLevels: [(name: String, level: Logger.Level)] =
        [("error", .error), ("warning", .warning), ("info", .info), ("debug", .debug)]

    /// The shells `--generate-completion-script` writes for.
    public static let shells = ["bash", "zsh", "fish"]

    public static func == (a: Self, b: Self) -> Bool {
        a.address == b.address && a.replace == b.replace && a.configPath == b.configPath
            && a.stateDirectory == b.stateDirectory && a.logLevel == b.logLevel
    }

    /// Parses the arguments after the program name. `environment` reads a
    /// variable (the defaults of `--config` and `--state-dir` depend on it).
    public static func parse(_ arguments: [String], environment: (String) -> String?) -> Action {
        var options = DaemonCommandLine(
            configPath: Configuration.defaultPath(environment: environment),
            stateDirectory: Daemon.Options.stateDirectory(environment: environment))
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            // --name=value or --name value.
            var name = argument
            var inlineValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            func value() -> String? {
                if let inlineValue { return inlineValue }
                guard index < arguments.count else { return nil }
                index += 1
                return arguments[index - 1]
            }
            func takesNoValue() -> Action? {
                inlineValue == nil ? nil : .usageError("The flag '\(name)' takes no value (given '\(inlineValue!)').")
            }
            switch name {
            case "-h", "--help", "help":
                if let error = takesNoValue() { return error }
                return .print(help(defaultConfigPath: options.configPath, defaultStateDirectory: options.stateDirectory))
            case "--version":
                if let error = takesNoValue() { return error }
                return .print("trainbelld \(Daemon.version)\n")
            case "--replace":
                if let error = takesNoValue() { return error }
                options.replace = true
            case "--address", "--config", "--state-dir", "--log-level", "--generate-completion-script":
                let valueName = ["--address": "address", "--config": "path", "--state-dir": "directory",
                                 "--log-level": "level", "--generate-completion-script": "shell"][name]!
                guard let given = value() else {
                    return .usageError("Missing value for '\(name) <\(valueName)>'.")
                }
                switch name {
                case "--address":
                    guard !given.isEmpty else { return .usageError("The value of '--address' is empty; give a D-Bus address such as unix:path=/run/user/1000/bus.") }
                    options.address = given
                case "--config":
                    guard !given.isEmpty else { return .usageError("The value of '--config' is empty; give the path of a configuration file.") }
                    options.configPath = given
                case "--state-dir":
                    guard !given.isEmpty else { return .usageError("The value of '--state-dir' is empty; give a directory.") }
                    options.stateDirectory = given
                case "--log-level":
                    guard let level = logLevels.first(where: { $0.name == given })?.level else {
                        return .usageError("The value '\(given)' is invalid for '--log-level <level>'. Please provide one of 'error', 'warning', 'info' or 'debug'.")
                    }
                    options.logLevel = level
                default:
                    guard let script = completionScript(for: given) else {
                        return .usageError("The value '\(given)' is invalid for '--generate-completion-script <shell>'. Please provide one of 'bash', 'zsh' or 'fish'.")
                    }
                    return .print(script)
                }
            default:
                if argument.hasPrefix("-") {
                    return .usageError("Unknown option '\(name)'.")
                }
                return .usageError("Unexpected argument '\(argument)': trainbelld takes flags only.")
            }
        }
        return .run(options)
    }

    /// The text of `--help`, with the defaults of this environment.
    static func help(defaultConfigPath: String, defaultStateDirectory: String) -> String {
        """
        OVERVIEW: Desktop notifications for machine-learning training (the session daemon).

        trainbelld owns org.trainbell.TrainBell1 on the session bus. Trainers report progress, errors and
        completion to it over D-Bus (or with the trainbell command); it shows desktop notifications at
        milestones, on errors and on completion, respects Do Not Disturb, and keeps a history.

        It is normally started on demand by D-Bus activation or by systemd
        (systemctl --user start trainbelld). Logs go to stderr (the journal under systemd).

        Files:
          $XDG_CONFIG_HOME/trainbell/config   configuration (see trainbell(5)); re-read on SIGHUP
          $XDG_STATE_HOME/trainbell/          history.sqlite3 and error details

        Exit status: 0 stopped by a signal or replaced; 1 cannot start or lost the bus; 2 the name is taken;
        64 a wrong command line.

        USAGE: trainbelld [--address <address>] [--replace] [--config <path>] [--state-dir <directory>] [--log-level <level>]

        OPTIONS:
          --address <address>     Connect to this bus address instead of the session bus (for tests).
          --replace               Take the name over from a running trainbelld, which then exits.
          --config <path>         The configuration file. (default: \(defaultConfigPath))
          --state-dir <directory> Where the history and error details are kept.
                                  (default: \(defaultStateDirectory))
          --log-level <level>     error, warning, info or debug. (default: info)
          --version               Show the version.
          -h, --help              Show help information.
          --generate-completion-script <shell>
                                  Print the completion script for bash, zsh or fish.

        """
    }

    /// The completion script for `shell`, or nil for a shell without one.
    static func completionScript(for shell: String) -> String? {
        let flags = "--address --replace --config --state-dir --log-level --version --help"
        switch shell {
        case "bash":
            return """
                #!/bin/bash
                # bash completion for trainbelld
                _trainbelld() {
                    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
                    case $prev in
                        --config) COMPREPLY=($(compgen -f -- "$cur")); return ;;
                        --state-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
                        --log-level) COMPREPLY=($(compgen -W "error warning info debug" -- "$cur")); return ;;
                        --address) COMPREPLY=(); return ;;
                    esac
                    COMPREPLY=($(compgen -W "\(flags)" -- "$cur"))
                }

                complete -o filenames -F _trainbelld trainbelld

                """
        case "zsh":
            return """
                #compdef trainbelld
                # zsh completion for trainbelld
                _arguments -s \\
                    '--address[Connect to this bus address instead of the session bus]:address:' \\
                    '--replace[Take the name over from a running trainbelld]' \\
                    '--config[The configuration file]:path:_files' \\
                    '--state-dir[Where the history and error details are kept]:directory:_files -/' \\
                    '--log-level[The least severe level logged]:level:(error warning info debug)' \\
                    '--version[Show the version]' \\
                    '(-h --help)'{-h,--help}'[Show help information]'

                """
        case "fish":
            return """
                # fish completion for trainbelld
                complete -c 'trainbelld' -f
                complete -c 'trainbelld' -l 'address' -r -d 'Connect to this bus address instead of the session bus'
                complete -c 'trainbelld' -l 'replace' -d 'Take the name over from a running trainbelld'
                complete -c 'trainbelld' -l 'config' -r -F -d 'The configuration file'
                complete -c 'trainbelld' -l 'state-dir' -r -a '(__fish_complete_directories)' -d 'Where the history and error details are kept'
                complete -c 'trainbelld' -l 'log-level' -r -a 'error warning info debug' -d 'The least severe level logged'
                complete -c 'trainbelld' -l 'version' -d 'Show the version'
                complete -c 'trainbelld' -s 'h' -l 'help' -d 'Show help information'

                """
        default:
            return nil
        }
    }
}
