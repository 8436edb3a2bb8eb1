/// The arguments of `trainbell ssh [ssh options] DESTINATION [COMMAND…]` read as OpenSSH's `ssh`
/// reads them (ssh(1), OpenSSH 9): options first, each of those in ``optionsWithValue`` followed by
/// a value (in the same word, `-p2222`, or the next), flags possibly grouped (`-tt`, `-4A`); the
/// first word that is not an option is the destination, and everything after it is the remote
/// command. `--` ends the options.
public struct SSHCommandLine: Equatable, Sendable {
    /// The options, as given.
    public var options: [String]
    public var destination: String
    public var command: [String]

    /// ssh's options that take a value.
    public static let optionsWithValue: Set<Character> = ["B", "b", "c", "D", "E", "e", "F", "I", "i", "J", "L", "l", "m",
                                                         "O", "o", "P", "p", "Q", "R", "S", "W", "w"]
    /// ssh's options that take none.
    public static let flags: Set<Character> = ["4", "6", "A", "a", "C", "f", "G", "g", "K", "k", "M", "N", "n", "q", "s",
                                              "T", "t", "V", "v", "X", "x", "Y", "y"]

    public struct Problem: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public init(options: [String], destination: String, command: [String]) {
        self.options = options
        self.destination = destination
        self.command = command
    }

    /// Reads `arguments`; a problem names the word and says what ssh accepts.
    public init(_ arguments: [String]) throws(Problem) {
        var options: [String] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            if word == "--" {
                index += 1
                break
            }
            guard word.hasPrefix("-"), word.count > 1 else { break }
            options.append(word)
            var letters = Substring(word.dropFirst())
            while let letter = letters.first {
                letters = letters.dropFirst()
                if Self.optionsWithValue.contains(letter) {
                    if letters.isEmpty {
                        index += 1
                        guard index < arguments.count else {
                            throw Problem(description: "ssh option -\(letter) needs a value (as in ssh -\(letter) VALUE)")
                        }
                        options.append(arguments[index])
                    }
                    break
                }
                guard Self.flags.contains(letter) else {
                    throw Problem(description: "'\(word)': -\(letter) is not an ssh option (see man ssh)")
                }
            }
            index += 1
        }
        guard index < arguments.count else {
            throw Problem(description: "missing the host: trainbell ssh [ssh options] HOST [COMMAND…]")
        }
        self.init(options: options, destination: arguments[index], command: Array(arguments[(index + 1)...]))
    }

    /// The word that makes a POSIX shell read `text` as one literal word.
    public static func shellQuoted(_ text: String) -> String {
        "'" + text.replacing("'", with: "'\\''") + "'"
    }
}
