import Glibc
import Logging
import TrainBellDaemon

/// `trainbelld`: the user-session daemon. Usually started by systemd or D-Bus activation.
/// Its command line is ``DaemonCommandLine`` (no argument-parser library: see there why).
@main
enum TrainBellD {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch DaemonCommandLine.parse(arguments, environment: { getenv($0).map { String(cString: $0) } }) {
        case .print(let text):
            write(text, to: 1)
            exit(0)
        case .usageError(let message):
            write("Error: \(message)\nUsage: trainbelld [--address <address>] [--replace] [--config <path>] [--state-dir <directory>] [--log-level <level>]\n  See 'trainbelld --help' for more information.\n", to: 2)
            exit(64)
        case .run(let options):
            exit(run(options))
        }
    }

    /// Writes all of `text` to the file descriptor (a short write or EINTR is retried).
    static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    static func run(_ options: DaemonCommandLine) -> Int32 {
        let level = options.logLevel
        LoggingSystem.bootstrap { JournalLogHandler(label: $0, level: level) }
        let log = Logger(label: "trainbelld")
        do throws(Daemon.Failure) {
            let daemon = try Daemon(options: .init(address: options.address, replace: options.replace,
                                                   configPath: options.configPath,
                                                   stateDirectory: options.stateDirectory), log: log)
            try daemon.start()
            return daemon.run()
        } catch {
            log.error("\(error.message)")
            return error.exitCode
        }
    }
}
