import PropertyBased

/// Generators shared by the property tests.
enum TestGen {
    /// Any Unicode scalar (surrogate code points become U+FFFD).
    static let scalar = Gen<UInt32>.value(in: 0...0x10FFFF).map { Unicode.Scalar($0) ?? "\u{FFFD}" }

    /// Pieces of text that tend to break things: control characters, NUL,
    /// combining marks, emoji sequences, braces, markup, line breaks.
    static let trickyPieces: [String] = [
        "", "\0", "\u{7}", "\u{7f}", "\u{85}", "\u{9f}", "\r\n", "\r", "\n", "\t", " ",
        "e\u{301}", "\u{301}", "👩‍👩‍👧", "🇫🇷", "\u{200d}", "\u{600}", "\u{feff}", "\u{fffd}", "\u{10ffff}",
        "{", "}", "{{", "}}", "{job}", "{title}", "{step}", "{total}", "{percent}", "{milestone}",
        "{message}", "{unknown}", "{JOB}", "{ job}", "{job", "job}", "{}", "&", "<b>", "'", "\"", "&amp;",
        "_", "_5f", "_zz", "_4", "0", "9", "Ä", "日本", "a", "Z", "…",
    ]

    /// One piece: a tricky one, a random scalar, plain ASCII, or sometimes a
    /// long run of one scalar.
    static let piece = zip(Gen.int(in: 0...19), Gen.int(in: 0...(trickyPieces.count - 1)), scalar).map {
        pick, index, scalar -> String in
        switch pick {
        case 0...8: trickyPieces[index]
        case 9...14: String(Character(scalar))
        case 15...18: String(repeating: "abc ", count: index % 4)
        default: String(repeating: String(Character(scalar)), count: 2_000 + index)
        }
    }

    /// Any string, from empty to huge, with the tricky parts above.
    static let string = piece.array(of: 0...12).map { $0.joined() }

    /// Strings without huge runs (for properties that loop per character).
    static let shortString = zip(Gen.int(in: 0...2), Gen.int(in: 0...(trickyPieces.count - 1)), scalar).map {
        pick, index, scalar -> String in
        pick == 0 ? String(Character(scalar)) : trickyPieces[index]
    }.array(of: 0...12).map { $0.joined() }

    /// Step counts: small, around the interesting edges, and huge.
    static let steps = zip(Gen.int(in: 0...7), Gen.uint64(in: 0...600), Gen.uint64()).map {
        pick, small, any -> UInt64 in
        switch pick {
        case 0: 0
        case 1: 1
        case 2: UInt64.max
        case 3: UInt64.max - 1
        case 4: any
        default: small
        }
    }
}
