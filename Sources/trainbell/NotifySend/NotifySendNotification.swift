import DBus
import Glibc
import TrainBellAPI

/// The notification `notify-send` 0.8.1 would send for a command line: the eight `Notify` arguments with
/// the hints libnotify adds by itself (`urgency` as a byte, `category`, `transient`, `sender-pid` as int64 of
/// the sending process), and the same object as the options of trainbelld's `Send`.
struct NotifySendNotification: Equatable {
    /// libnotify's default: the name given to `notify_init` by notify-send.
    static let defaultAppName = "notify-send"

    var appName: String
    var replacesID: UInt32
    var icon: String
    var summary: String
    var body: String
    /// Key and label of each action, in order.
    var actions: [(key: String, label: String)]
    /// In the order libnotify sets them; a later hint of the same name replaces the earlier one.
    var hints: [(name: String, value: DBusValue)]
    var expireTimeout: Int32

    static func == (a: Self, b: Self) -> Bool {
        a.appName == b.appName && a.replacesID == b.replacesID && a.icon == b.icon && a.summary == b.summary
            && a.body == b.body && a.actions.map(\.key) == b.actions.map(\.key)
            && a.actions.map(\.label) == b.actions.map(\.label) && a.hints.map(\.name) == b.hints.map(\.name)
            && a.hints.map(\.value) == b.hints.map(\.value) && a.expireTimeout == b.expireTimeout
    }

    /// Builds what notify-send builds. `actions` are the ones to show (none when the server cannot).
    /// Throws the first bad hint, in notify-send's words.
    init(_ arguments: NotifySendArguments, actions: [(key: String, label: String)], senderPID: Int64)
        throws(NotifySendUsageError)
    {
        appName = arguments.appName ?? Self.defaultAppName
        // libnotify's "id" property is 0…G_MAXINT32: a negative id is refused (with a warning) and stays 0.
        replacesID = arguments.replaceID > 0 ? UInt32(arguments.replaceID) : 0
        icon = arguments.icon ?? ""
        summary = arguments.positionals.first ?? ""
        body = arguments.positionals.count > 1 ? Self.compress(arguments.positionals[1]) : ""
        self.actions = actions
        expireTimeout = arguments.expireTimeout
        hints = []
        if let category = arguments.category, !category.isEmpty { setHint("category", .string(category)) }
        setHint("urgency", .byte(arguments.urgency))
        if arguments.transient { setHint("transient", .boolean(true)) }
        for text in arguments.hints {
            let hint = try NotifySendHint(parsing: text)
            if let value = hint.value { setHint(hint.name, value) }
        }
        if hint("sender-pid") == nil { setHint("sender-pid", .int64(senderPID)) }
    }

    mutating func setHint(_ name: String, _ value: DBusValue) {
        if let i = hints.firstIndex(where: { $0.name == name }) { hints[i].value = value } else { hints.append((name, value)) }
    }

    func hint(_ name: String) -> DBusValue? { hints.first { $0.name == name }?.value }

    /// `Notify(s app_name, u replaces_id, s app_icon, s summary, s body, as actions, a{sv} hints, i expire_timeout)`.
    var notifyArguments: [DBusValue] {
        [
            .string(appName), .uint32(replacesID), .string(icon), .string(summary), .string(body),
            .array(.string, actions.flatMap { [DBusValue.string($0.key), .string($0.label)] }),
            .vardict(hints.map { ($0.name, $0.value) }),
            .int32(expireTimeout),
        ]
    }

    /// `Send(s summary, s body, a{sv} options)` of trainbelld, meant to produce the same `Notify`: every hint
    /// goes in `hints` as libnotify has them; `urgency` also as the word the daemon's policy reads.
    /// The options of trainbelld's `Send` (DESIGN.md section 3).
    var sendOptions: TrainBell1.Options {
        var options: [(String, DBusValue)] = [
            ("app-name", .string(appName)),
            ("icon", .string(icon)),
            ("expire-timeout", .int32(expireTimeout)),
            ("hints", .vardict(hints.map { ($0.name, $0.value) })),
        ]
        if let word = urgencyWord { options.append(("urgency", .string(word))) }
        if !actions.isEmpty {
            options.append(("actions", .array(.string, actions.flatMap { [DBusValue.string($0.key), .string($0.label)] })))
        }
        if replacesID != 0 { options.append(("replace-id", .uint32(replacesID))) }
        return Dictionary(options.map { ($0.0, DBusValue.variant($0.1)) }) { $1 }
    }

    /// The `urgency` hint as low, normal or critical (a `-h` may have replaced it with something else).
    var urgencyWord: String? {
        switch hint("urgency")?.integerValue {
        case 0: "low"
        case 1: "normal"
        case 2: "critical"
        default: nil
        }
    }

    /// GLib's `g_strcompress`, which notify-send applies to BODY (not SUMMARY): `\n`, `\t`, `\\`, octal
    /// `\NNN`… become the characters; another escaped character stands for itself; a NUL ends the text.
    static func compress(_ text: String) -> String {
        let source = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        loop: while i < source.count {
            let c = source[i]
            i += 1
            guard c == UInt8(ascii: "\\") else { out.append(c); continue }
            guard i < source.count else { break }  // a trailing backslash is dropped
            let e = source[i]
            i += 1
            switch e {
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = UInt32(e - UInt8(ascii: "0"))
                var digits = 1
                while digits < 3, i < source.count, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(source[i]) {
                    value = value * 8 + UInt32(source[i] - UInt8(ascii: "0"))
                    i += 1
                    digits += 1
                }
                let byte = UInt8(truncatingIfNeeded: value)
                if byte == 0 { break loop }
                out.append(byte)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "v"): out.append(0x0B)
            default: out.append(e)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// notify-send's `-A [NAME=]Text`: an unnamed action's key is its index among all `-A` given (from 0);
    /// blanks around name and text are stripped; one with an empty name or text is left out (its index is
    /// still counted). An empty `-A ""`, on which notify-send aborts, is left out as well.
    static func actions(_ specifications: [String]) -> [(key: String, label: String)] {
        var result: [(key: String, label: String)] = []
        for (index, text) in specifications.enumerated() where !text.isEmpty {
            let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts.count == 1 ? String(index) : parts[0].strippingASCIISpace
            let label = parts.count == 1 ? parts[0].strippingASCIISpace : parts[1].strippingASCIISpace
            if !key.isEmpty && !label.isEmpty { result.append((key, label)) }
        }
        return result
    }
}

extension Substring {
    /// `g_strstrip`: ASCII blanks (space, \t, \n, \v, \f, \r) removed at both ends.
    var strippingASCIISpace: String {
        let bytes = Array(utf8)
        let isSpace = { (b: UInt8) in b == 0x20 || (0x09...0x0D).contains(b) }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }),
              let last = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
