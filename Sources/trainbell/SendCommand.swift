import ArgumentParser

/// `trainbell send`: notify-send compatible.
struct SendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "send", abstract: "Send a notification, like notify-send.")

    @Argument var summary: String
    @Argument var body: String = ""

    func run() throws {
        throw ExitCode(1)
    }
}
