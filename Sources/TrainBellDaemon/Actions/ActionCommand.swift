import TrainBellCore

/// The command a notification action runs (`[actions] details`, `retry`):
/// an argument vector, run directly, never through a shell. Placeholders
/// (`{file}`, `{job}`) are replaced inside each argument when it runs, so a
/// value with spaces or quotes stays one argument.
struct ActionCommand: Sendable, Hashable, CustomStringConvertible {
    /// The placeholder names, without braces.
    static let placeholders = ["file", "job"]

    /// The built-in `details` command: open the error text with the
    /// desktop's default application.
    static let openDetails = ActionCommand(validArguments: ["xdg-open", "{file}"])

    /// The program (first) and its arguments, with placeholders.
    let arguments: [String]

    /// Creates a command from a command line (see ``CommandLineSplitter``).
    ///
    /// - Throws: A ``ValidationError`` when the line does not split or is
    ///   blank.
    init(parsing commandLine: some StringProtocol) throws(ValidationError) {
        let arguments = try CommandLineSplitter.split(commandLine)
        guard !arguments.isEmpty else {
            throw ValidationError("the command is blank; accepted: \(CommandLineSplitter.acceptedValues)")
        }
        self.arguments = arguments
    }

    private init(validArguments: [String]) {
        arguments = validArguments
    }

    /// The arguments to run, with `{file}` and `{job}` replaced in one pass
    /// from left to right (a replacement is never read again). Other text,
    /// also unknown placeholders, is kept.
    func arguments(file: String, job: String) -> [String] {
        let values = ["file": file, "job": job]
        return arguments.map { argument in
            let scalars = argument.unicodeScalars
            var output = String.UnicodeScalarView()
            var rest = scalars[...]
            while let open = rest.firstIndex(of: "{") {
                output.append(contentsOf: rest[..<open])
                let afterOpen = scalars.index(after: open)
                if let close = rest[afterOpen...].firstIndex(of: "}"),
                    let value = values[String(String.UnicodeScalarView(rest[afterOpen..<close]))]
                {
                    output.append(contentsOf: value.unicodeScalars)
                    rest = rest[scalars.index(after: close)...]
                } else {
                    output.append("{")
                    rest = rest[afterOpen...]
                }
            }
            output.append(contentsOf: rest)
            return String(output)
        }
    }

    /// The command line, each argument quoted when it needs to be.
    var description: String {
        arguments.map { argument in
            argument.isEmpty || argument.contains(where: { " \t\n\r'\"\\".contains($0) })
                ? "'" + argument.replacing("'", with: #"'\''"#) + "'"
                : argument
        }.joined(separator: " ")
    }
}
