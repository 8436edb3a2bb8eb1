import PropertyBased
import Testing
@testable import TrainBellCore

/// The byte search the recognizer finds its markers with (16 bytes at a time) finds what a search
/// byte by byte finds, wherever the needle stands against the blocks.
@Suite struct ByteSearchTests {
    static func naive(_ bytes: [UInt8], _ needle: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty else { return start }
        var index = max(start, 0)
        while index + needle.count <= bytes.count {
            if Array(bytes[index..<(index + needle.count)]) == needle { return index }
            index += 1
        }
        return nil
    }

    @Test func findsWhatAByteByByteSearchFinds() async {
        // A small alphabet, so that the needle and its first byte occur often, at every offset.
        let bytes = Gen.uint8(in: 0x5A...0x5D).array(of: 0...70)
        let needle = Gen.uint8(in: 0x5A...0x5D).array(of: 1...4)
        await propertyCheck(count: 2_000, input: bytes, needle, Gen.int(in: -2...72)) { bytes, needle, start in
            #expect(bytes.firstIndex(of: needle, from: start) == Self.naive(bytes, needle, from: start))
        }
    }

    @Test func caseInsensitiveContainsFindsWhatALowercasedSearchFinds() async {
        let text = Gen.int(in: 0...5).map { ["Loss", "grad_NORM", "é", "lo", "ss", "x"][$0] }.array(of: 0...6).map { $0.joined() }
        let word = Gen.int(in: 0...3).map { ["loss", "grad_norm", "s", ""][$0] }
        await propertyCheck(count: 1_000, input: text, word) { text, word in
            let expected = word.isEmpty || Array(text.utf8).map(\.asciiLowercased).firstIndex(of: Array(word.utf8)) != nil
            #expect(text.utf8.asciiCaseInsensitiveContains(word) == expected, "\(text) / \(word)")
        }
    }
}
