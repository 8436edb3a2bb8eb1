import ArgumentParser
import DBus
import TrainBellAPI

/// `trainbell dnd`: the Do Not Disturb state.
struct DndCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dnd",
        abstract: "Show whether Do Not Disturb is on, and which desktop setting decided it.")

    func run() throws {
        try reporting {
            let reply = try Service.connect().call(TrainBell1.getDoNotDisturb)
            let (on, source) = (reply.active, reply.source)
            print("Do Not Disturb is \(on ? "on" : "off") (source: \(source))")
            if on { print("Progress, completion and warnings are held back; errors are still shown.") }
        }
    }
}
