/// A title or message text with placeholders: `{job}`, `{title}`, `{step}`,
/// `{total}`, `{percent}`, `{milestone}`, `{message}`.
///
/// Rendering is one pass from left to right: a placeholder is replaced by
/// its value and the value is never read again (a message that contains
/// `{job}` stays as it is). Anything else, also unknown placeholders and
/// unbalanced braces, is copied unchanged. Rendering never fails.
public struct MessageTemplate: Sendable, Hashable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The template as written.
    public let text: String

    /// The placeholder names, without braces.
    public static let placeholders = ["job", "title", "step", "total", "percent", "milestone", "message", "time_left"]

    /// Creates a template from its text.
    public init(_ text: String) {
        self.text = text
    }

    public init(stringLiteral text: String) {
        self.text = text
    }

    public init(from decoder: any Decoder) throws {
        text = try String(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try text.encode(to: encoder)
    }

    public var description: String { text }

    /// The text with every placeholder replaced by its value.
    public func render(_ values: TemplateValues) -> String {
        let scalars = text.unicodeScalars
        var output = String.UnicodeScalarView()
        var copiedUpTo = scalars.startIndex
        var searchFrom = scalars.startIndex
        while let open = scalars[searchFrom...].firstIndex(of: "{") {
            let nameStart = scalars.index(after: open)
            guard let close = scalars[nameStart...].firstIndex(where: { $0 == "}" || $0 == "{" }) else {
                break
            }
            if scalars[close] == "{" {
                // "{{job}": the first brace is text; try again from the second.
                searchFrom = close
                continue
            }
            searchFrom = scalars.index(after: close)
            guard let value = values.value(forPlaceholder: Substring(scalars[nameStart..<close])) else {
                continue
            }
            output.append(contentsOf: scalars[copiedUpTo..<open])
            output.append(contentsOf: value.unicodeScalars)
            copiedUpTo = searchFrom
        }
        output.append(contentsOf: scalars[copiedUpTo...])
        return String(output)
    }
}
