/// Small text operations on a line kept as UTF-8 bytes: the recognizer
/// looks for ASCII markers, which a byte search finds whatever the
/// surrounding text (invalid UTF-8, combining marks) and in linear time.
extension Array where Element == UInt8 {
    /// The index of the first occurrence of `needle` at or after `start`.
    func firstIndex(of needle: [UInt8], from start: Int = 0) -> Int? {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty ? start : nil }
        return withUnsafeBufferPointer { bytes in
            needle.withUnsafeBufferPointer { needle in
                guard let base = bytes.baseAddress else { return nil }
                let raw = UnsafeRawPointer(base)
                let first = needle[0]
                let pattern = SIMD16<UInt8>(repeating: first)
                let last = bytes.count &- needle.count
                var index = Swift.max(start, 0)
                while index <= last {
                    // 16 bytes at a time are passed over while none of them is the needle's first.
                    let blockEnd = Swift.min(index &+ 16, last &+ 1)
                    if index &+ 16 <= bytes.count,
                        !(raw.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self) .== pattern).hasAnyLaneSet
                    {
                        index = blockEnd
                        continue
                    }
                    while index < blockEnd {
                        if bytes[index] == first {
                            var matched = 1
                            while matched < needle.count, bytes[index &+ matched] == needle[matched] { matched &+= 1 }
                            if matched == needle.count { return index }
                        }
                        index &+= 1
                    }
                }
                return nil
            }
        }
    }

    /// Whether `needle` occurs in these bytes.
    func contains(_ needle: [UInt8]) -> Bool {
        firstIndex(of: needle) != nil
    }

    /// Whether the bytes start with `prefix`.
    func hasPrefix(_ prefix: [UInt8]) -> Bool {
        prefix.count <= count && self[..<prefix.count].elementsEqual(prefix)
    }

    /// The bytes with ASCII letters in lower case.
    var asciiLowercased: [UInt8] {
        map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
    }

}

/// The same on an array, a slice of one, or a buffer of bytes.
extension RandomAccessCollection where Element == UInt8, Index == Int {
    /// The bytes without spaces and tabs at either end.
    var trimmingSpaces: SubSequence {
        var start = startIndex
        var end = endIndex
        while start < end, self[start] == 0x20 || self[start] == 0x09 { start += 1 }
        while end > start, self[end - 1] == 0x20 || self[end - 1] == 0x09 { end -= 1 }
        return self[start..<end]
    }

    /// The bytes as text (invalid UTF-8 becomes U+FFFD).
    var text: String {
        String(decoding: self, as: UTF8.self)
    }
}

extension UInt8 {
    /// Whether the byte is an ASCII digit.
    var isASCIIDigit: Bool { (0x30...0x39).contains(self) }

    /// The byte with an ASCII capital letter made small.
    var asciiLowercased: UInt8 { self &- 0x41 < 26 ? self | 0x20 : self }
}

extension String.UTF8View {
    /// Whether the text holds `word` (given in lower case), ASCII letter case ignored.
    func asciiCaseInsensitiveContains(_ word: String) -> Bool {
        // Native and small strings: a search in their bytes, without the view's index arithmetic.
        let found: Bool?? = withContiguousStorageIfAvailable { text in
            word.utf8.withContiguousStorageIfAvailable { word in Self.asciiCaseInsensitiveSearch(word, in: text) }
        }
        if let found, let found { return found }
        let word = word.utf8
        guard let first = word.first else { return true }
        var start = startIndex
        while let at = self[start...].firstIndex(where: { $0.asciiLowercased == first }) {
            if self[at...].starts(with: word, by: { $0.asciiLowercased == $1 }) { return true }
            start = index(after: at)
        }
        return false
    }

    private static func asciiCaseInsensitiveSearch(_ word: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !word.isEmpty else { return true }
        guard word.count <= text.count else { return false }
        var start = 0
        while start <= text.count &- word.count {
            var matched = 0
            while matched < word.count, text[start &+ matched].asciiLowercased == word[matched] { matched &+= 1 }
            if matched == word.count { return true }
            start &+= 1
        }
        return false
    }
}
