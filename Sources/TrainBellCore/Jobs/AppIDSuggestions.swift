/// The installed desktop ids closest to one that is not installed: what `trainbell start --app-id`
/// offers ("did you mean debian-xterm?") when no dock could show the id it was given (Debian's xterm
/// installs `debian-xterm.desktop`, GNOME's terminal `org.gnome.Terminal.desktop`).
public enum AppIDSuggestions {
    /// At most `limit` ids of `installed`, closest first: one whose last part (after the last `.` or
    /// `-`) is the id, then one that contains it, then one whose last part is at most two edits
    /// away; case is ignored. Empty when none is close.
    public static func closest(to id: String, among installed: [String], limit: Int = 3) -> [String] {
        let wanted = normalized(id)
        guard !wanted.isEmpty else { return [] }
        var ranked: [(rank: Int, id: String)] = []
        for candidate in installed {
            let name = normalized(candidate)
            guard name != wanted else { continue }
            let last = Substring(name.split(whereSeparator: { $0 == "." || $0 == "-" }).last ?? Substring(name))
            if last == wanted[...] {
                ranked.append((0, candidate))
            } else if name.contains(wanted) {
                ranked.append((1, candidate))
            } else if wanted.count >= 4, editDistance(Array(last), Array(wanted), atMost: 2) <= 2 {
                ranked.append((2, candidate))
            }
        }
        return ranked.sorted { ($0.rank, $0.id.count, $0.id) < ($1.rank, $1.id.count, $1.id) }.prefix(limit).map(\.id)
    }

    static func normalized(_ id: String) -> String {
        AppID.stripping(id).lowercased()
    }

    /// Levenshtein distance, or `bound + 1` as soon as it must exceed `bound`.
    static func editDistance(_ a: [Character], _ b: [Character], atMost bound: Int) -> Int {
        if abs(a.count - b.count) > bound { return bound + 1 }
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            if current.min() ?? 0 > bound { return bound + 1 }
            previous = current
        }
        return previous[b.count]
    }
}
