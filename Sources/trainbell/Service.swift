import ArgumentParser
import DBus
import Glibc
import TrainBellAPI

/// The CLI's connection to trainbelld (`org.trainbell.TrainBell1` on the session bus).
struct Service {
    static let name = TrainBellBus.name
    static let path = TrainBellBus.path
    static let interface = TrainBellBus.interface
    static let jobInterface = TrainBellBus.jobInterface

    /// Exit codes beyond ArgumentParser's (64 = bad usage).
    static let unavailable: Int32 = 69
    static let refused: Int32 = 1

    let connection: Connection

    /// Connects to the session bus, or exits 69 with a message saying why.
    static func connect() throws -> Service {
        do {
            return Service(connection: try TrainBellAddress.connect())
        } catch {
            throw Failure(message: "cannot reach the session bus: \(error.message)", code: unavailable)
        }
    }

    /// Calls a method of trainbelld through its typed descriptor (``TrainBell1``).
    @discardableResult
    func call<Result, each Value>(_ method: BusMethod<Result, repeat each Value>, _ arguments: repeat each Value,
                                  path: ObjectPath = Service.path, timeout: Double = 25) throws -> Result {
        do {
            return try TrainBellClient(connection: connection).call(method, repeat each arguments, path: path, timeout: timeout)
        } catch {
            throw Self.failure(error)
        }
    }

    /// Sends a method without waiting for an answer (errors are not seen).
    func callNoReply<Result, each Value>(_ method: BusMethod<Result, repeat each Value>, _ arguments: repeat each Value) throws {
        do {
            try TrainBellClient(connection: connection).callNoReply(method, repeat each arguments)
            connection.flush()
        } catch {
            throw Self.failure(error)
        }
    }

    /// A bus error as the user should read it, with the right exit code.
    static func failure(_ error: BusError) -> Failure {
        switch error.name {
        case .serviceUnknown, .nameHasNoOwner, .noReply, .timeout, .disconnected:
            Failure(message: "trainbelld cannot be reached (\(error.message)); start it with 'systemctl --user start trainbelld' or run 'trainbelld &'", code: unavailable)
        default:
            Failure(message: error.message, code: refused)
        }
    }

    static func property(_ values: [DBusValue]) -> DBusValue? { values.first?.unwrapped }
}

/// A failure the CLI reports on stderr, with its exit code.
struct Failure: Error, CustomStringConvertible {
    let message: String
    let code: Int32
    var description: String { message }
}

/// MESSAGE, or standard input when it is `-`.
func resolvedMessage(_ text: String) -> String { text == "-" ? readStandardInput() : text }

/// Reads all of standard input (for MESSAGE `-`).
func readStandardInput() -> String {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = read(0, &buffer, buffer.count)
        if n <= 0 { break }
        bytes += buffer[0..<n]
    }
    var text = String(decoding: bytes, as: UTF8.self)
    if text.hasSuffix("\n") { text.removeLast() }
    return text
}

/// Writes to stderr.
func printError(_ text: String) {
    let line = text + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
}

extension ParsableCommand {
    /// Runs `body`, turning failures into their message on stderr and their exit code.
    func reporting(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let failure as Failure {
            printError("trainbell: \(failure.message)")
            throw ExitCode(failure.code)
        }
    }
}

/// The command-line argument wrapper (the `DBus` module has an `Argument` of its own).
typealias Argument = ArgumentParser.Argument
