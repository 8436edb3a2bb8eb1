import TrainBellCore

/// Splits a command line into arguments the way a POSIX shell splits words,
/// with its simple quoting only: no shell ever runs the command, and
/// nothing is expanded (`$HOME`, `*`, `~`, `;`, `|` are plain text).
///
/// - Space, tab and line ends separate arguments.
/// - `'…'` keeps everything up to the next `'` as it is.
/// - `"…"` keeps everything up to the next unescaped `"`; inside, `\"` and
///   `\\` stand for `"` and `\`, any other backslash is kept.
/// - Outside quotes, `\` makes the next character plain (`a\ b` is one
///   argument).
/// - Quoted parts and plain text next to each other make one argument;
///   `''` and `""` alone are an empty argument.
enum CommandLineSplitter {
    /// The rules in one line, for error messages.
    static let acceptedValues =
        "arguments separated by spaces, quoted with '…' or \"…\", \\ making the next character plain"

    /// The arguments of `commandLine`; empty for a blank line.
    ///
    /// - Throws: A ``ValidationError`` for a quote that is never closed
    ///   (naming the character where it opens) or a lone `\` at the end.
    static func split(_ commandLine: some StringProtocol) throws(ValidationError) -> [String] {
        var arguments: [String] = []
        var current = String.UnicodeScalarView()
        var inArgument = false
        var scalars = Array(commandLine.unicodeScalars)[...]
        var position = 0

        func next() -> Unicode.Scalar? {
            guard let scalar = scalars.popFirst() else { return nil }
            position += 1
            return scalar
        }

        while let scalar = next() {
            switch scalar {
            case " ", "\t", "\n", "\r":
                if inArgument { arguments.append(String(current)) }
                current = String.UnicodeScalarView()
                inArgument = false
            case "'":
                let opening = position
                inArgument = true
                while true {
                    guard let quoted = next() else { throw unclosed("'", at: opening) }
                    if quoted == "'" { break }
                    current.append(quoted)
                }
            case "\"":
                let opening = position
                inArgument = true
                while true {
                    guard let quoted = next() else { throw unclosed("\"", at: opening) }
                    if quoted == "\"" { break }
                    if quoted == "\\", let escaped = scalars.first, escaped == "\"" || escaped == "\\" {
                        current.append(escaped)
                        _ = next()
                    } else {
                        current.append(quoted)
                    }
                }
            case "\\":
                guard let escaped = next() else {
                    throw ValidationError("the command ends with a lone \\; accepted: \(acceptedValues)")
                }
                current.append(escaped)
                inArgument = true
            default:
                current.append(scalar)
                inArgument = true
            }
        }
        if inArgument { arguments.append(String(current)) }
        return arguments
    }

    private static func unclosed(_ quote: String, at position: Int) -> ValidationError {
        ValidationError("the \(quote) at character \(position) is never closed; accepted: \(acceptedValues)")
    }
}
