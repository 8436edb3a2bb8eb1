import Glibc
import DBus
import TrainBellCore

extension String {
    /// Without spaces or tabs at either end.
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }

    /// Padded with spaces to `width` characters (or cut with "…").
    func padded(_ width: Int) -> String {
        if count > width { return String(prefix(max(0, width - 1))) + "…" }
        return self + String(repeating: " ", count: width - count)
    }
}

/// JSON text of D-Bus values (no Foundation: the CLI starts fast).
enum JSON {
    static func encode(_ value: DBusValue) -> String {
        switch value.unwrapped {
        case .boolean(let b): return b ? "true" : "false"
        case .double(let d): return d.isFinite ? "\(d)" : "null"
        case .string(let s): return quote(s)
        case .objectPath(let p): return quote(p.rawValue)
        case .signature(let g): return quote(g.rawValue)
        case .array(_, let items): return "[" + items.map(encode).joined(separator: ",") + "]"
        case .dictionary(_, _, let entries):
            return "{" + entries.map { entry in
                let key: String
                if case .string(let s) = entry.key.unwrapped { key = s } else { key = encode(entry.key).trimmingQuotes }
                return quote(key) + ":" + encode(entry.value)
            }.joined(separator: ",") + "}"
        case .structure(let fields): return "[" + fields.map(encode).joined(separator: ",") + "]"
        case let other: return other.integerValue.map { String($0) } ?? (other.type == .uint64 ? "\(UInt64(dbusValue: other) ?? 0)" : "null")
        }
    }

    static func quote(_ s: String) -> String { JSONString.quoted(s) }
}

extension String {
    fileprivate var trimmingQuotes: String {
        hasPrefix("\"") && hasSuffix("\"") && count >= 2 ? String(dropFirst().dropLast()) : self
    }
}

/// A text progress bar: `[█████▌    ]`.
func progressBar(_ fraction: Double, width: Int = 20) -> String {
    let f = max(0, min(1, fraction.isFinite ? fraction : 0))
    let eighths = Int((f * Double(width * 8)).rounded(.down))
    let full = eighths / 8
    let partial = eighths % 8
    let blocks = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
    var bar = String(repeating: "█", count: full)
    if full < width { bar += blocks[partial] }
    return "[" + bar.padded(width) + "]"
}

/// Microseconds since the epoch as local `YYYY-MM-DD HH:MM:SS`.
func localTime(_ micros: Int64) -> String {
    var t = Int(micros / 1_000_000)
    var parts = tm()
    localtime_r(&t, &parts)
    func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
}
