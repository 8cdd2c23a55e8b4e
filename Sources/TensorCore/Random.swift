/// attnlab's own seeded generator, so `--seed N` gives the same weights on every machine and with
/// every Swift version (the standard library's generators promise neither).
///
/// xoshiro256** (Blackman & Vigna), seeded through SplitMix64 as its authors recommend.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotateLeft(s.3, 45)
        return result
    }

    /// Uniform in [0, 1), from the top 24 bits: every value is exactly representable.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// An integer in 0..<bound. Modulo bias is below 2^-40 for the bounds attnlab uses.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }

    /// A tensor of independent draws, uniform on [−√3·std, √3·std): mean 0, standard deviation `std`.
    ///
    /// Uniform rather than Gaussian on purpose: it needs no log or cos, whose last bit may differ
    /// between C libraries, so the weights are the same bits everywhere.
    public mutating func uniformTensor(shape: [Int], std: Float) -> Tensor {
        let half = std * Float(3).squareRoot()
        let count = shape.reduce(1, *)
        var scalars = [Float](repeating: 0, count: count)
        for i in 0..<count { scalars[i] = (2 * nextUnitFloat() - 1) * half }
        return Tensor(shape: shape, scalars: scalars)
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
