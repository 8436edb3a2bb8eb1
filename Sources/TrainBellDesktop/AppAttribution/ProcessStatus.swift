/// The parts of `/proc/PID/stat` trainbell reads.
public enum ProcessStatus {
    /// The parent's pid: the fourth field of `/proc/PID/stat`. The second
    /// field, the command name in parentheses, may itself hold spaces and
    /// parentheses, so the fields are counted after its last `)`. Nil when
    /// the text is not in that form.
    public static func parentPID(statFile text: String) -> UInt32? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(whereSeparator: \.isWhitespace)
        guard fields.count >= 2 else { return nil }
        return UInt32(fields[1])
    }
}
