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
        if let value = Self.exactDecimal(trimmed) {
            self = value
            return
        }
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

    /// `[+-]digits[.digits][(e|E)[+-]digits]` read without `strtod`, when the result is exact:
    /// at most 19 digits whose value is at most 2^53, scaled by a power of ten from 10^-22 to 10^22
    /// (Clinger's fast path: both factors are exact doubles, so the one rounding of the product or
    /// quotient is the correct rounding of the number). Nil for anything else (read as before).
    private static func exactDecimal<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Double? {
        var index = bytes.startIndex
        let end = bytes.endIndex
        var negative = false
        if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index = bytes.index(after: index)
        }
        var mantissa: UInt64 = 0
        var digits = 0
        /// Reads a run of digits into `mantissa` (wrapping: `digits` says when it cannot be trusted);
        /// how many there were.
        func readDigits() -> Int {
            let start = digits
            while index < end, bytes[index] &- 0x30 < 10 {
                mantissa = mantissa &* 10 &+ UInt64(bytes[index] &- 0x30)
                digits += 1
                index = bytes.index(after: index)
            }
            return digits - start
        }
        guard readDigits() > 0 else { return nil }
        var scale = 0
        if index < end, bytes[index] == UInt8(ascii: ".") {
            index = bytes.index(after: index)
            let fractionDigits = readDigits()
            guard fractionDigits > 0 else { return nil }
            scale = -fractionDigits
        }
        if index < end, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index = bytes.index(after: index)
            var exponentNegative = false
            if index < end, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index = bytes.index(after: index)
            }
            var exponent = 0
            var exponentDigits = 0
            while index < end, bytes[index] &- 0x30 < 10, exponentDigits < 4 {
                exponent = exponent * 10 + Int(bytes[index] &- 0x30)
                exponentDigits += 1
                index = bytes.index(after: index)
            }
            guard exponentDigits > 0 else { return nil }
            scale += exponentNegative ? -exponent : exponent
        }
        guard index == end, digits <= 19, mantissa <= 1 << 53, (-22...22).contains(scale) else { return nil }
        var value = Double(mantissa)
        if scale < 0 { value /= exactPowersOfTen[-scale] } else if scale > 0 { value *= exactPowersOfTen[scale] }
        return negative ? -value : value
    }

    /// 10^0 … 10^22, each exact in a double.
    private static let exactPowersOfTen: [Double] = (0...22).map { power in
        (0..<power).reduce(1.0) { value, _ in value * 10 }
    }

    private static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// The bytes other than digits a number may start with: `+-.nNiI`.
    private static let numberStarts: Set<UInt8> = Set("+-.nNiI".utf8)
    private static let nanWord = Array("nan".utf8), plusNaNWord = Array("+nan".utf8), minusNaNWord = Array("-nan".utf8)
    private static let infWord = Array("inf".utf8), plusInfWord = Array("+inf".utf8), minusInfWord = Array("-inf".utf8)
}
