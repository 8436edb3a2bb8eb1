/// A broker as `[remote] broker` and `trainbell --broker` name it:
/// `mqtts://user@host:8883/trainbell/alice` (TLS; port 8883 when left out) or `mqtt://…` (plain;
/// 1883), the path being the topic base. No password in the URL: it comes from a file.
/// Plain `mqtt://` is refused for any host but the loopback unless `insecure` is set.
public struct BrokerURL: Sendable, Hashable, CustomStringConvertible {
    public var tls: Bool
    public var user: String?
    public var host: String
    public var port: Int
    /// The topic base, without a leading or trailing '/'.
    public var base: String

    public var description: String {
        (tls ? "mqtts://" : "mqtt://") + (user.map { $0 + "@" } ?? "") + (host.contains(":") ? "[\(host)]" : host)
            + ":\(port)/" + base
    }

    /// Whether `host` is this machine: `localhost`, 127.0.0.0/8, `::1`.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.") && host.split(separator: ".").count == 4
    }

    public static let accepted = "mqtts://[USER@]HOST[:PORT]/TOPIC/BASE (or mqtt:// to the loopback, or anywhere when insecure is allowed)"

    public init(parsing text: String, insecure: Bool = false) throws(ValidationError) {
        let rest: Substring
        if text.hasPrefix("mqtts://") {
            tls = true
            rest = text.dropFirst(8)
        } else if text.hasPrefix("mqtt://") {
            tls = false
            rest = text.dropFirst(7)
        } else {
            throw ValidationError("'\(text)' is not a broker URL; accepted: \(Self.accepted)")
        }
        guard let slash = rest.firstIndex(of: "/") else {
            throw ValidationError("'\(text)' has no topic base (the path, e.g. /trainbell/alice); accepted: \(Self.accepted)")
        }
        var authority = rest[..<slash]
        var path = rest[rest.index(after: slash)...]
        while path.hasSuffix("/") { path = path.dropLast() }
        guard !path.isEmpty, !path.contains("+"), !path.contains("#"), !path.hasPrefix("/"),
              !path.split(separator: "/", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
            throw ValidationError("'\(text)': the topic base must be non-empty topic levels without '+' or '#' (e.g. /trainbell/alice)")
        }
        base = String(path)
        if let at = authority.lastIndex(of: "@") {
            let userPart = authority[..<at]
            guard !userPart.isEmpty, !userPart.contains(":") else {
                throw ValidationError("'\(text)': put no password in the URL (it comes from a file: password-file in [remote], --broker-password-file for trainbell); the user goes before '@'")
            }
            user = String(userPart)
            authority = authority[authority.index(after: at)...]
        } else {
            user = nil
        }
        var hostPart = authority
        var portPart: Substring?
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { throw ValidationError("'\(text)': an unclosed '['") }
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() } else if !after.isEmpty { throw ValidationError("'\(text)': text after ']'") }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            portPart = hostPart[hostPart.index(after: colon)...]
            hostPart = hostPart[..<colon]
        }
        guard !hostPart.isEmpty else { throw ValidationError("'\(text)' names no host; accepted: \(Self.accepted)") }
        host = String(hostPart)
        if let portPart {
            guard let number = Int(portPart), (1...65535).contains(number) else {
                throw ValidationError("'\(text)': port '\(portPart)' is not 1 to 65535")
            }
            port = number
        } else {
            port = tls ? 8883 : 1883
        }
        if !tls && !insecure && !isLoopback {
            throw ValidationError("'\(text)': plain mqtt:// sends the password and the events unencrypted; use mqtts://, or allow it for a trusted network (insecure = true in [remote], --broker-insecure for trainbell)")
        }
    }
}
