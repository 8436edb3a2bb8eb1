import BusTestSupport
import DBus
import Foundation
import Testing

/// The `gdbus call` lines of the README work as written, against a daemon on a private session bus.
@Suite(.serialized) struct ReadmeTests {
    /// The README's lines that start with `gdbus call`, as shell words.
    static func gdbusLines() throws -> [[String]] {
        let readme = try String(contentsOfFile: InterfaceFileTests.projectRoot + "/README.md", encoding: .utf8)
        return readme.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("gdbus call") }
            .map(shellWords)
    }

    /// Splits like a POSIX shell for the quoting the README uses: '…', "…" and spaces.
    static func shellWords(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character? = nil
        var inWord = false
        for c in line {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c
                inWord = true
            } else if c == " " {
                if inWord { words.append(current); current = ""; inWord = false }
            } else {
                current.append(c)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    @Test func theReadmeGdbusLinesWorkAsWritten() throws {
        let gdbus = try requireTool("gdbus", package: "libglib2.0-bin")
        let bus = try PrivateBus()
        let server = try StandInNotificationServer(bus: bus)
        defer { server.stop() }
        let daemon = try DaemonProcess(bus: bus)
        defer { daemon.stop() }
        let lines = try Self.gdbusLines()
        #expect(lines.count >= 6)
        for words in lines {
            #expect(words.first == "gdbus")
            let result = try runCommand(gdbus, Array(words.dropFirst()), environment: ["DBUS_SESSION_BUS_ADDRESS": bus.address])
            #expect(result.status == 0, "\(words.joined(separator: " ")): \(result.stderr)")
        }
        // What they did is in the history.
        let client = try DaemonClient(bus: bus, recordSignals: false)
        let types = try client.history("run-42").map { $0["type"]?.stringValue ?? "" }
        #expect(types == ["progress", "warning", "error", "completion"])
    }
}
