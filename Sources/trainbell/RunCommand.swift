import ArgumentParser

/// `trainbell run -- CMD` (being written).
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a training command and report what its output shows.")

    @Argument(parsing: .postTerminator) var command: [String] = []

    func run() throws { throw ExitCode(1) }
}
