/// The trainer's name for a training job, validated: 1 to 128 bytes of
/// UTF-8 text without control characters.
public struct JobID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The id as the trainer wrote it.
    public let rawValue: String

    /// The longest id accepted, in UTF-8 bytes.
    public static let maximumUTF8Length = 128

    /// What a job id may be, for error messages.
    public static let acceptedValues =
        "a job id is 1 to \(maximumUTF8Length) bytes of UTF-8 text without control characters"

    /// Validates a job id.
    ///
    /// - Throws: A ``ValidationError`` saying what was wrong (empty, too
    ///   long, which control character where) and what is accepted.
    public init(_ text: String) throws(ValidationError) {
        if text.isEmpty {
            throw ValidationError("the job id is empty; \(Self.acceptedValues)")
        }
        let length = text.utf8.count
        if length > Self.maximumUTF8Length {
            throw ValidationError("the job id is \(length) bytes long; \(Self.acceptedValues)")
        }
        for (position, scalar) in text.unicodeScalars.enumerated() where Self.isControl(scalar) {
            throw ValidationError(
                "the job id contains the control character \(Self.codePoint(scalar)) at character \(position + 1); "
                    + Self.acceptedValues)
        }
        self.rawValue = text
    }

    /// A job id from text already validated as one (a key of a table of
    /// validated ids, to look it up without validating the text again). A
    /// look-up with text that is not a valid id finds nothing, since no
    /// valid id equals it; never store one made from unchecked text.
    public init(trusted text: String) {
        self.rawValue = text
    }

    /// Validates a job id given as raw bytes (e.g. from a C string or a file).
    ///
    /// - Throws: A ``ValidationError`` when the bytes are not UTF-8, or as
    ///   ``init(_:)`` does.
    public init(utf8 bytes: some Collection<UInt8>) throws(ValidationError) {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ValidationError("the job id is not valid UTF-8; \(Self.acceptedValues)")
        }
        try self.init(text)
    }

    public init(from decoder: any Decoder) throws {
        let text = try String(from: decoder)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try rawValue.encode(to: encoder)
    }

    public var description: String { rawValue }

    public static func < (lhs: JobID, rhs: JobID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// C0 controls, DEL and C1 controls.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value)
    }

    /// `U+0007` style.
    static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
