import BusTestSupport
import DBus
import PropertyBased

/// One call a hostile peer makes to trainbelld: any of its objects (or none), any interface (or none),
/// real and bogus members, the right signature with values at every edge, or any other signature.
struct HostileCall: Sendable, CustomStringConvertible {
    var path: ObjectPath
    var interface: InterfaceName?
    var member: MemberName
    var arguments: [DBusValue]
    var noReplyExpected = false

    /// The call as a message to trainbelld.
    var message: Message {
        get throws(BusError) {
            let message = Message.methodCall(destination: DaemonProcess.busName, path: path, interface: interface,
                                             member: member)
            message.noReplyExpected = noReplyExpected
            try message.append(arguments)
            return message
        }
    }

    /// Bytes of text in the arguments (strings, paths, signatures), at any depth.
    var textBytes: Int { arguments.reduce(0) { $0 + Self.textBytes(in: $1) } }

    /// Short enough for a failure message: no 5 MB string in it.
    var description: String {
        let signature = arguments.map(\.type.signature).joined()
        let shown = signature.count > 60 ? String(signature.prefix(60)) + "…" : signature
        return "\(interface?.rawValue ?? "(no interface)").\(member)(\(shown)) on \(path), \(textBytes) bytes of text"
            + (noReplyExpected ? ", no reply expected" : "")
    }

    static func textBytes(in value: DBusValue) -> Int {
        switch value {
        case .string(let s): s.utf8.count
        case .objectPath(let p): p.rawValue.utf8.count
        case .signature(let g): g.rawValue.utf8.count
        case .array(_, let items): items.reduce(0) { $0 + textBytes(in: $1) }
        case .dictionary(_, _, let entries): entries.reduce(0) { $0 + textBytes(in: $1.key) + textBytes(in: $1.value) }
        case .structure(let fields): fields.reduce(0) { $0 + textBytes(in: $1) }
        case .variant(let inner): textBytes(in: inner)
        default: 0
        }
    }
}

extension HostileCall {
    /// A batch of `size` hostile calls. `descriptor` is an open file descriptor of the test's to send
    /// where a call carries one (`h`). Batches are reproducible from the property check's seed.
    static func batch(size: Int, descriptor: Int32) -> Generator<[HostileCall], Shrink.None<[HostileCall]>> {
        Generator { rng in
            var maker = HostileCallMaker(seed: rng.next(), descriptor: descriptor)
            var calls = (0..<size).map { _ in maker.call() }
            // One large call in every batch, so each run sends about as much text as the next.
            calls[maker.below(size)] = maker.largeCall()
            return calls
        }
    }
}

/// Makes hostile calls from a seed, so one seed is one batch.
struct HostileCallMaker {
    static let root = DaemonProcess.path
    static let trainbell = DaemonProcess.interface
    static let job: InterfaceName = "org.trainbell.TrainBell1.Job"

    /// The methods of `org.trainbell.TrainBell1` and their argument types (dbus/org.trainbell.TrainBell1.xml).
    static let methods: [(MemberName, [DBusType])] = [
        ("StartJob", [.string, .string, .uint64, .dictionary(key: .string, value: .variant)]),
        ("ReportProgress", [.string, .uint64, .uint64]),
        ("ReportError", [.string, .string, .string, .string]),
        ("ReportWarning", [.string, .string]),
        ("CompleteJob", [.string, .string]),
        ("CancelJob", [.string]),
        ("Send", [.string, .string, .dictionary(key: .string, value: .variant)]),
        ("SetProgress", [.string, .double]),
        ("GetNotifications", [.string]),
        ("GetDoNotDisturb", []),
        ("Reload", []),
        ("TestSink", [.string]),
    ]

    /// Ids that come back often, so calls meet existing jobs: plain, at the length limit and past it,
    /// and ones whose object path needs escaping (`_`, `-`, `/`, dots, non-ASCII, path-like text).
    static let jobIDs = [
        "run", "run-1", "a", "_", "_2d", "-", "/", "a/b", ".", "..", "job/../../etc", "é", "日本語",
        "🎉", "x\u{200B}y", "{title}", String(repeating: "b", count: 128), String(repeating: "c", count: 129),
        " run", "run ", "%2F", "a_b-c.d", "\u{202E}evil", "\u{FEFF}bom", "e\u{301}",
    ]

    /// Texts at the edges: empty, control characters (NUL cannot be in a D-Bus string), escapes,
    /// placeholders of the message templates, markup, format strings, SQL, odd Unicode.
    static let oddTexts = [
        "", " ", "\t", "\n", "\r\n", "\u{1}", "\u{7f}", "\u{1B}[31mred\u{1B}[0m", "\\", "\"", "'",
        "{title}{message}{percent}{step}{total}{job}{nope}", "{", "}", "<b>bold</b> &amp; <a href='x'>",
        "%s%n%x%%", "'; DROP TABLE records; --", "\u{FFFF}", "\u{10FFFF}", "\u{FFFD}", "\u{202E}", "\u{200D}",
        "🎉👩‍👩‍👧‍👦", "e\u{301}\u{301}\u{301}", "18446744073709551615", "-1", "nan", "inf", "1e400",
    ]

    static let errorTypes = ["oom_error", "cuda_error", "system_crash", "loss_divergence", "gradient_explosion",
                             "data_error", "training_error", "my_thing", "", "out of memory", "OOM", String(repeating: "e", count: 300)]
    static let urgencies = ["", "low", "normal", "high", "critical", "urgent", "CRITICAL", "0", "2"]

    static let propertyNames = ["Version", "DoNotDisturb", "DoNotDisturbSource", "NotificationServer", "ActiveJobs",
                                "Id", "Title", "State", "CurrentStep", "TotalSteps", "Progress", "MilestonesSent",
                                "LastError", "AppId", "StartedAt", "UpdatedAt", "Nope", "", "version"]

    static let interfaces: [InterfaceName?] = [
        trainbell, job, .properties, .introspectable, .peer, .objectManager, nil, "org.example.Nope",
        "org.trainbell.TrainBell2", .bus, "org.freedesktop.Notifications",
    ]

    static let bogusMembers: [MemberName] = [
        "Frobnicate", "startjob", "StartJob2", "Introspect", "Ping", "Get", "NotificationEmitted", "ActionInvoked",
        "Hello", "_", MemberName(stringLiteral: String(repeating: "A", count: 255)),
    ]

    /// Option keys of `StartJob` and `Send` with the type each should have (DESIGN section 3).
    static let optionKeys: [(String, DBusType)] = [
        ("app-id", .string), ("milestones", .array(.uint32)), ("icon", .string), ("urgency", .string),
        ("expire-timeout", .int32), ("app-name", .string), ("category", .string), ("actions", .array(.string)),
        ("hints", .dictionary(key: .string, value: .variant)), ("replace-id", .uint32), ("job", .string),
        ("transient", .boolean), ("value", .int32), ("urgency", .byte),
    ]

    /// The D-Bus limits: 32 nested arrays, 32 nested structs, 64 containers in all (variants included).
    static let maximumDepth = 64

    /// Bytes of large text (64 KiB and more) the current call may still carry: no message grows past
    /// what the bus accepts (it would disconnect the sender, not the daemon).
    static let largeTextPerCall = 6_000_000

    private var rng: SplitMix64
    private let descriptor: Int32
    private var largeTextLeft = 0

    init(seed: UInt64, descriptor: Int32) {
        rng = SplitMix64(seed: seed)
        self.descriptor = descriptor
    }

    // MARK: Randomness

    mutating func below(_ n: Int) -> Int { rng.below(n) }
    mutating func chance(_ percent: Double) -> Bool { rng.chance(percent) }
    mutating func pick<T>(_ items: [T]) -> T { rng.pick(items) }
    mutating func next() -> UInt64 { rng.next() }

    // MARK: Calls

    mutating func call() -> HostileCall {
        largeTextLeft = Self.largeTextPerCall
        var call: HostileCall
        switch below(100) {
        case 0..<45: call = trainbellCall(rightShape: true)
        case 45..<60: call = trainbellCall(rightShape: false)
        case 60..<72: call = propertiesCall()
        case 72..<77: call = HostileCall(path: path(), interface: .introspectable, member: "Introspect", arguments: maybeJunk())
        case 77..<82: call = HostileCall(path: path(), interface: .peer, member: pick(["Ping", "GetMachineId"]), arguments: maybeJunk())
        case 82..<87: call = HostileCall(path: path(), interface: .objectManager, member: "GetManagedObjects", arguments: maybeJunk())
        default:
            let member = chance(50) ? pick(Self.bogusMembers) : pick(Self.methods).0
            call = HostileCall(path: path(), interface: pick(Self.interfaces), member: member, arguments: junk())
        }
        call.noReplyExpected = chance(4)
        return call
    }

    /// A method of `org.trainbell.TrainBell1` with its own signature and 1 MiB of text in one of its
    /// string arguments (or options).
    mutating func largeCall() -> HostileCall {
        var call = trainbellCall(rightShape: true)
        let large = DBusValue.string(String(repeating: "1 MiB of text. ", count: (1 << 20) / 15) + "\(next())")
        let strings = call.arguments.indices.filter {
            if case .string = call.arguments[$0] { true } else if case .dictionary = call.arguments[$0] { true } else { false }
        }
        guard !strings.isEmpty else { return call }
        let index = pick(strings)
        if case .dictionary = call.arguments[index] {
            call.arguments[index] = .vardict([(pick(["icon", "app-id", "app-name", "category", "job"]), large)])
        } else {
            call.arguments[index] = large
        }
        return call
    }

    /// A method of `org.trainbell.TrainBell1`: its own signature with edge values, or another one
    /// (an argument missing, one too many, wrong types, anything); sometimes without an interface.
    mutating func trainbellCall(rightShape: Bool) -> HostileCall {
        let (member, types) = pick(Self.methods)
        var arguments = types.enumerated().map { index, type in argument(of: member, at: index, type: type) }
        if !rightShape {
            switch below(4) {
            case 0: if !arguments.isEmpty { arguments.removeLast() }
            case 1: arguments.append(value(depth: 0))
            case 2: if !arguments.isEmpty { arguments[below(arguments.count)] = value(depth: 0) }
            default: arguments = junk()
            }
        }
        let interface: InterfaceName? = chance(10) ? nil : Self.trainbell
        return HostileCall(path: chance(90) ? Self.root : path(), interface: interface, member: member, arguments: arguments)
    }

    /// The value a careless or hostile trainer would pass as argument `index` of `member`.
    mutating func argument(of member: MemberName, at index: Int, type: DBusType) -> DBusValue {
        switch (member.rawValue, index, type) {
        case (_, 0, .string) where member != "Send": return .string(jobID())
        case ("ReportError", 2, _): return .string(chance(70) ? pick(Self.errorTypes) : text())
        case ("ReportError", 3, _): return .string(chance(70) ? pick(Self.urgencies) : text())
        case (_, _, .dictionary): return options()
        default: return value(of: type, depth: 0)
        }
    }

    mutating func jobID() -> String {
        switch below(10) {
        case 0..<6: pick(Self.jobIDs)
        case 6..<8: "job-\(below(40))"
        default: text()
        }
    }

    /// An `a{sv}` of options: known keys with the right type or any other, duplicates, unknown keys,
    /// sometimes thousands of entries.
    mutating func options() -> DBusValue {
        let count = chance(2) ? 2_000 + below(3_000) : below(6)
        var entries: [(String, DBusValue)] = []
        for _ in 0..<count {
            if chance(75) {
                let (key, type) = pick(Self.optionKeys)
                entries.append((key, chance(70) ? value(of: type, depth: 1) : value(depth: 1)))
            } else {
                entries.append((text(), value(depth: 1)))
            }
        }
        return .vardict(entries)
    }

    /// `Properties.Get`, `GetAll` or `Set` of a real or bogus interface and property, on the root, a job or elsewhere.
    mutating func propertiesCall() -> HostileCall {
        let interface: String = pick([Self.trainbell.rawValue, Self.job.rawValue, "org.example.Nope", "", Self.trainbell.rawValue + "."])
        let property = chance(80) ? pick(Self.propertyNames) : text()
        let arguments: [DBusValue]
        let member: MemberName
        switch below(3) {
        case 0: member = "Get"; arguments = [.string(interface), .string(property)]
        case 1: member = "GetAll"; arguments = [.string(interface)]
        default: member = "Set"; arguments = [.string(interface), .string(property), .variant(value(depth: 1))]
        }
        let path = chance(50) ? Self.root : self.path()
        return HostileCall(path: path, interface: .properties, member: member, arguments: chance(85) ? arguments : junk())
    }

    /// Nothing most of the time, else arguments a method without any does not expect.
    mutating func maybeJunk() -> [DBusValue] { chance(80) ? [] : junk() }

    /// Any arguments of any types.
    mutating func junk() -> [DBusValue] { (0..<below(5)).map { _ in value(depth: 0) } }

    /// The root, the paths of jobs (existing or not, escaped as the daemon does), their parents, and
    /// paths where nothing is exported.
    mutating func path() -> ObjectPath {
        switch below(8) {
        case 0..<3: return Self.jobPath(pick(Self.jobIDs))
        case 3: return Self.root
        case 4: return pick(["/", "/org", "/org/trainbell", "/org/trainbell/TrainBell1/job", "/org/freedesktop/Notifications"])
        case 5: return Self.jobPath("job-\(below(40))")
        case 6: return "/org/trainbell/TrainBell1/job/a/b"
        default:
            let elements = (0..<(1 + below(chance(5) ? 200 : 6))).map { _ in "e\(below(1_000))_" }
            return ObjectPath(rawValue: "/" + elements.joined(separator: "/")) ?? Self.root
        }
    }

    /// The object path of job `id`: `[A-Za-z0-9]` kept, every other byte `_xx` (DESIGN section 3).
    static func jobPath(_ id: String) -> ObjectPath {
        let label = id.utf8.map { byte -> String in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                String(UnicodeScalar(byte))
            default:
                "_" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }.joined()
        return ObjectPath(rawValue: "/org/trainbell/TrainBell1/job/" + (label.isEmpty ? "_" : label)) ?? root
    }

    // MARK: Values

    /// Text of every kind: ids, odd texts, random ASCII and Unicode; 64 KiB, 1 MiB and 5 MB ones now and
    /// then (rarely: a 5 MB string costs the debug build of trainbelld half a second).
    mutating func text() -> String {
        let roll = below(10_000)
        switch roll {
        case 0..<12 where largeTextLeft >= 5_000_100:
            largeTextLeft -= 5_000_100
            return String(repeating: "5 MB of message, ", count: (5_000_000 / 17) + 1) + "\(next())"
        case 12..<60 where largeTextLeft >= 1 << 20 + 100:
            largeTextLeft -= 1 << 20 + 100
            return String(repeating: "é", count: 1 << 19) + "\(next())"
        case 100..<500 where largeTextLeft >= 64 << 10:
            largeTextLeft -= 64 << 10
            return String(repeating: "x", count: 64 << 10)
        case 0..<500:
            return pick(Self.oddTexts)
        case 500..<3_000: return pick(Self.oddTexts)
        case 3_000..<4_500: return pick(Self.jobIDs)
        case 4_500..<7_500:
            return String((0..<below(200)).map { _ in Character(UnicodeScalar(UInt8(0x20 + below(95)))) })
        default:
            var scalars = String.UnicodeScalarView()
            for _ in 0..<below(40) {
                // Any scalar but NUL and the surrogates (which no Swift string holds).
                let value = UInt32(1 + below(0x10FFFF))
                if let scalar = UnicodeScalar(value) { scalars.append(scalar) }
            }
            return String(scalars)
        }
    }

    /// Integers at their edges (min, min + 1, -1, 0, 1, max - 1, max) or any bit pattern.
    mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T {
        if chance(30) { return T(truncatingIfNeeded: next()) }
        var edges: [T] = [0, 1, .max, .max - 1]
        if T.isSigned { edges += [.min, .min + 1, -1] }
        return pick(edges)
    }

    /// NaN (quiet, signalling, with a payload), the infinities, -0, the extremes, progress edges.
    mutating func double() -> Double {
        if chance(20) { return Double(bitPattern: next()) }
        return pick([.nan, -.nan, .signalingNaN, Double(bitPattern: 0x7FF8_0000_0000_BEEF), .infinity, -.infinity,
                     -0.0, 0, 1, -1, 0.99, 0.999_999_999, 1.000_000_000_000_000_2, .leastNonzeroMagnitude,
                     .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 2.5, 100, -1.000_001])
    }

    mutating func signature() -> Signature {
        pick(["", "s", "a{sv}", "(ii)", "aaaaai", "v", "a(sa{sv})", "h", "g", "o", "ybnqiuxtdsogvh"])
    }

    /// A value of any type; containers only while `depth` allows, sometimes nested to the limits.
    mutating func value(depth: Int) -> DBusValue {
        if depth == 0 && chance(3) { return deeplyNested() }
        return value(of: type(depth: depth), depth: depth)
    }

    mutating func type(depth: Int) -> DBusType {
        let basics: [DBusType] = [.byte, .boolean, .int16, .uint16, .int32, .uint32, .int64, .uint64, .double,
                                  .string, .objectPath, .signature, .unixFD]
        guard depth < 4, chance(35) else {
            // A descriptor now and then, only as an argument of its own: a message may carry only a few.
            let type = pick(basics)
            return type == .unixFD && (depth > 0 || !chance(10)) ? .string : type
        }
        switch below(4) {
        case 0: return .array(type(depth: depth + 1))
        case 1: return .dictionary(key: pick(basics.filter { $0 != .unixFD }), value: type(depth: depth + 1))
        case 2: return .structure((0..<(1 + below(4))).map { _ in type(depth: depth + 1) })
        default: return .variant
        }
    }

    mutating func value(of type: DBusType, depth: Int) -> DBusValue {
        switch type {
        case .byte: return .byte(integer(UInt8.self))
        case .boolean: return .boolean(chance(50))
        case .int16: return .int16(integer(Int16.self))
        case .uint16: return .uint16(integer(UInt16.self))
        case .int32: return .int32(integer(Int32.self))
        case .uint32: return .uint32(integer(UInt32.self))
        case .int64: return .int64(integer(Int64.self))
        case .uint64: return .uint64(integer(UInt64.self))
        case .double: return .double(double())
        case .string: return .string(text())
        case .objectPath: return .objectPath(path())
        case .signature: return .signature(signature())
        case .unixFD: return .unixFD(descriptor)
        case .variant: return .variant(depth < 6 ? value(depth: depth + 1) : .string(text()))
        case .array(let element):
            // Mostly short; now and then 100,000 numbers (the most a peer sends cheaply: 8 bytes each).
            let numbers: [DBusType] = [.byte, .boolean, .int16, .uint16, .int32, .uint32, .int64, .uint64, .double]
            let count = chance(2) && numbers.contains(element) ? 100_000 : below(8)
            return .array(element, (0..<count).map { _ in value(of: element, depth: depth + 1) })
        case .dictionary(let key, let valueType):
            return .dictionary(key: key, value: valueType, (0..<below(6)).map { _ in
                DictEntry(value(of: key, depth: depth + 1), value(of: valueType, depth: depth + 1))
            })
        case .structure(let fields):
            return .structure(fields.map { value(of: $0, depth: depth + 1) })
        }
    }

    /// A value nested to, or just inside, the limits of the spec: variants in variants, arrays of arrays,
    /// structs in structs, and all three mixed up to 64 containers.
    mutating func deeplyNested() -> DBusValue {
        let depth = pick([1, 2, 16, 31, 32, 33, 48, 63, 64].filter { $0 <= Self.maximumDepth })
        var value: DBusValue = pick([.string(text()), .uint64(integer(UInt64.self)), .double(double())])
        switch below(4) {
        case 0:
            for _ in 0..<depth { value = .variant(value) }
        case 1:
            for _ in 0..<min(depth, 32) { value = .array(value.type, [value]) }
        case 2:
            for _ in 0..<min(depth, 32) { value = .structure([value]) }
        default:
            // 32 arrays around 32 structs: 64 containers, the most a message may have.
            for _ in 0..<min(depth, 32) { value = .structure([value]) }
            for _ in 0..<max(0, min(depth - 32, 32)) { value = .array(value.type, [value]) }
        }
        return value
    }
}
