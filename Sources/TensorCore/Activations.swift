/// The MLP non-linearities. Each works in place on any tensor, element by element.
public enum Activation: String, Sendable, Codable, CaseIterable {
    /// x · Φ(x) with the exact normal CDF (BERT, the original GELU paper).
    case geluExact = "gelu"
    /// The tanh approximation GPT-2 was trained with ("gelu_new" in Hugging Face).
    case geluTanh = "gelu-tanh"
    /// max(0, x) (the original Transformer and T5).
    case relu

    public func apply(_ x: inout Tensor) {
        x.scalars.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress
            Parallel.ranges(buffer.count, workPerItem: 8) { range in
                let part = UnsafeMutableBufferPointer(start: base.map { $0 + range.lowerBound }, count: range.count)
                switch self {
                case .geluExact: mapLanes(part, geluExactLanes)
                case .geluTanh: mapLanes(part, geluTanhLanes)
                case .relu: mapLanes(part) { $0.replacing(with: 0, where: $0 .< 0) }
                }
            }
        }
    }
}

/// GELU(x) = x · ½(1 + erf(x/√2))
@inline(__always)
public func geluExactLanes(_ x: Lanes) -> Lanes {
    0.5 * x * (1 + fastErf(x * 0.707_106_77))
}

/// ½x(1 + tanh(u)) with u = √(2/π)(x + 0.044715x³), computed as x·σ(2u) = x / (1 + e^(−2u)),
/// the same function with one exp instead of a tanh.
@inline(__always)
public func geluTanhLanes(_ x: Lanes) -> Lanes {
    let u = 0.797_884_56 * (x + 0.044_715 * x * x * x)
    return x / (1 + fastExp(-2 * u))
}
