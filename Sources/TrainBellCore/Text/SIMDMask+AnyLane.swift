extension SIMDMask where Storage == SIMD16<Int8> {
    /// Whether any lane is set: `any(_:)` as two 64-bit words, inlined (the standard library's
    /// `any(_:)` is a call here that reduces the lanes one by one, which costs more than the
    /// comparisons it follows in the scans of every line).
    @inline(__always)
    var hasAnyLaneSet: Bool {
        let words = unsafeBitCast(self, to: SIMD2<UInt64>.self)
        return words[0] | words[1] != 0
    }
}
