extension Double {
    /// A number as Python programs print it: `0.41`, `2e-05`, `nan`, `inf`,
    /// `-inf`, and PyTorch Lightning's padded forms of the last three
    /// (`nan.0`, `inf.0`, `-inf.`: its progress bar pads every number to five
    /// characters).
    init?(pythonText text: some StringProtocol) {
        self.init(pythonBytes: text.utf8)
    }

    /// ``init(pythonText:)`` on the UTF-8 bytes of the text, read without
    /// making a `String` of anything but the number itself (the
    /// recognizer reads thousands of these a second from a training's
    /// output). ASCII white space around the number is ignored.
    init?<Bytes: Collection<UInt8>>(pythonBytes bytes: Bytes) {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, Self.isASCIIWhitespace(bytes[start]) { start = bytes.index(after: start) }
        guard start < end else { return nil }
        var last = bytes.index(end, offsetBy: -1)
        while last > start, Self.isASCIIWhitespace(bytes[last]) { last = bytes.index(last, offsetBy: -1) }
        end = bytes.index(after: last)
        let first = bytes[start]
        guard first.isASCIIDigit || Self.numberStarts.contains(first) else { return nil }
        let trimmed = bytes[start..<end]
        // Short numbers make a small String, which needs no allocation.
        if let value = Double(String(decoding: trimmed, as: UTF8.self)) {
            self = value
            return
        }
        // Lightning's padding of a non-finite number: trailing zeros, then one dot.
        var word = Array(trimmed)
        while word.last == UInt8(ascii: "0") { word.removeLast() }
        while word.last == UInt8(ascii: ".") { word.removeLast() }
        switch word.asciiLowercased {
        case Self.nanWord, Self.plusNaNWord, Self.minusNaNWord: self = .nan
        case Self.infWord, Self.plusInfWord: self = .infinity
        case Self.minusInfWord: self = -.infinity
        default: return nil
        }
    }

    private static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// The bytes other than digits a number may start with: `+-.nNiI`.
    private static let numberStarts: Set<UInt8> = Set("+-.nNiI".utf8)
    private static let nanWord = Array("nan".utf8), plusNaNWord = Array("+nan".utf8), minusNaNWord = Array("-nan".utf8)
    private static let infWord = Array("inf".utf8), plusInfWord = Array("+inf".utf8), minusInfWord = Array("-inf".utf8)
}
