import Glibc

/// A small seeded random number generator (SplitMix64): the same seed gives the same calls, so a
/// failure that prints its seed can be run again.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 0 ..< n.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }

    /// True `percent` % of the time.
    mutating func chance(_ percent: Double) -> Bool { Double(next() % 1_000_000) < percent * 10_000 }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// The seed of a run: `TRAINBELL_TEST_SEED` when set (to run a failure again), else a new one.
    static func runSeed() -> UInt64 {
        if let text = getenv("TRAINBELL_TEST_SEED").map({ String(cString: $0) }), let seed = UInt64(text) { return seed }
        return UInt64.random(in: 0 ... .max)
    }
}
