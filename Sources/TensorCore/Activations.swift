/// The MLP non-linearities. Each works in place on any tensor, element by element.
public enum Activation: String, Sendable, Codable, CaseIterable {
    /// x · Φ(x) with the exact normal CDF (BERT, the original GELU paper).
    case geluExact = "gelu"
    /// The tanh approximation GPT-2 was trained with ("gelu_new" in Hugging Face).
    case geluTanh = "gelu-tanh"
    /// max(0, x) (the original Transformer and T5).
    case relu
    /// x · σ(x), also called swish (Llama's and Qwen2's gated MLP).
    case silu

    public func apply(_ x: inout Tensor) {
        x.scalars.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress
            Parallel.ranges(buffer.count, workPerItem: 8) { range in
                let part = UnsafeMutableBufferPointer(start: base.map { $0 + range.lowerBound }, count: range.count)
                switch self {
                case .geluExact: mapLanes(part, geluExactLanes)
                case .geluTanh: mapLanes(part, geluTanhLanes)
                case .relu: mapLanes(part) { $0.replacing(with: 0, where: $0 .< 0) }
                case .silu: mapLanes(part) { $0 / (1 + fastExp(-$0)) }
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

extension Activation {
    /// Backward of `apply`, accumulating: dx [n] += dy [n] · f′(x [n]), x the forward's input
    /// (any shape, the three the same). Element-wise, so the parallel split cannot change a bit.
    ///
    ///     exact GELU:  f′ = Φ(x) + x·φ(x)
    ///     tanh GELU:   f = x·σ(2u)  →  f′ = σ(2u) + x·2σ(2u)(1 − σ(2u))·u′,  u′ = √(2/π)(1 + 3·0.044715x²)
    ///     ReLU:        f′ = 1 where x > 0, else 0 (PyTorch's choice at 0)
    ///     SiLU:        f = x·σ(x)  →  f′ = σ(x)(1 + x(1 − σ(x)))
    public func backward(dx: inout Tensor, dy: Tensor, x: Tensor) {
        precondition(dx.shape == x.shape && dy.shape == x.shape, "activation backward: x \(x.shape), dy \(dy.shape), dx \(dx.shape)")
        let n = x.count
        x.scalars.withUnsafeBufferPointer { px in
            dy.scalars.withUnsafeBufferPointer { pdy in
                dx.scalars.withUnsafeMutableBufferPointer { pdx in
                    guard let x = px.baseAddress, let dy = pdy.baseAddress, let dx = pdx.baseAddress else { return }
                    Parallel.ranges(n, workPerItem: 8) { range in
                        var i = range.lowerBound
                        @inline(__always) func load(_ p: UnsafePointer<Float>, _ i: Int) -> Lanes {
                            UnsafeRawPointer(p + i).loadUnaligned(as: Lanes.self)
                        }
                        // Whole lanes, then the tail through a zero-padded lane.
                        while i < range.upperBound {
                            let width = min(8, range.upperBound - i)
                            var xv = Lanes(repeating: 0), gv = Lanes(repeating: 0), dv = Lanes(repeating: 0)
                            if width == 8 {
                                xv = load(x, i); gv = load(dy, i); dv = load(UnsafePointer(dx), i)
                            } else {
                                for j in 0..<width { xv[j] = x[i + j]; gv[j] = dy[i + j]; dv[j] = dx[i + j] }
                            }
                            let out = dv + gv * derivative(xv)
                            if width == 8 {
                                UnsafeMutableRawPointer(dx + i).storeBytes(of: out, as: Lanes.self)
                            } else {
                                for j in 0..<width { dx[i + j] = out[j] }
                            }
                            i += width
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    func derivative(_ x: Lanes) -> Lanes {
        switch self {
        case .geluExact:
            // φ(x) = e^(−x²/2)/√(2π)
            let cdf: Lanes = 0.5 * (1 + fastErf(x * 0.707_106_77))
            let density: Lanes = 0.398_942_28 * fastExp(-0.5 * x * x)
            return cdf + x * density
        case .geluTanh:
            let x2: Lanes = x * x
            let u: Lanes = 0.797_884_56 * (x + 0.044_715 * x2 * x)
            let s: Lanes = 1 / (1 + fastExp(-2 * u))
            let du: Lanes = 0.797_884_56 * (1 + 0.134_145 * x2)
            let slope: Lanes = 2 * s * (1 - s)
            return s + x * slope * du
        case .relu:
            return Lanes(repeating: 0).replacing(with: 1, where: x .> 0)
        case .silu:
            let s: Lanes = 1 / (1 + fastExp(-x))
            return s * (1 + x * (1 - s))
        }
    }
}
