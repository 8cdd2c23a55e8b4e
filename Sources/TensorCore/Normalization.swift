/// Normalisation over the last axis of [T, d]: each position's vector is normalised on its own.
public enum NormKind: String, Sendable, Codable, CaseIterable {
    /// (x − mean) / √(var + ε) · γ + β (GPT-2, BERT).
    case layerNorm = "layer"
    /// x / √(mean(x²) + ε) · γ, no centring and no β (T5).
    case rmsNorm = "rms"
}

/// Learned scale (and shift, for layer norm) of one normalisation.
public struct Norm: Sendable {
    public var kind: NormKind
    public var gamma: Tensor        // [d]
    public var beta: Tensor?        // [d], layer norm only
    public var epsilon: Float

    public init(kind: NormKind, gamma: Tensor, beta: Tensor?, epsilon: Float) {
        self.kind = kind; self.gamma = gamma; self.beta = beta; self.epsilon = epsilon
    }

    /// out [T, d] = norm(x [T, d]) row by row.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let d = gamma.count
        precondition(x.rank == 2 && x.shape[1] == d, "norm of width \(d) got \(x.shape)")
        let rows = x.shape[0]
        let zeros = beta == nil ? [Float](repeating: 0, count: d) : []
        return Tensor(shape: x.shape) { out in
            x.scalars.withUnsafeBufferPointer { input in
                gamma.scalars.withUnsafeBufferPointer { g in
                    (beta?.scalars ?? zeros).withUnsafeBufferPointer { b in
                        Parallel.ranges(rows, workPerItem: d * 4) { range in
                            for t in range {
                                normalizeRow(input.baseAddress! + t * d, into: out.baseAddress! + t * d, d,
                                             gamma: g.baseAddress!, beta: b.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private func normalizeRow(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, _ d: Int,
                              gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>) {
        @inline(__always) func load(_ p: UnsafePointer<Float>, _ i: Int) -> Lanes {
            UnsafeRawPointer(p + i).loadUnaligned(as: Lanes.self)
        }
        let mean = kind == .layerNorm ? laneSum(x, d) / Float(d) : 0
        // Mean square about the mean (the variance), or about 0 for RMS norm.
        var acc = Lanes(repeating: 0)
        var i = 0
        while i + 8 <= d { let v = load(x, i) - mean; acc += v * v; i += 8 }
        var meanSquare = acc.sum()
        while i < d { meanSquare += (x[i] - mean) * (x[i] - mean); i += 1 }
        meanSquare /= Float(d)
        let inverse = 1 / (meanSquare + epsilon).squareRoot()
        i = 0
        while i + 8 <= d {
            let v = (load(x, i) - mean) * inverse * load(gamma, i) + load(beta, i)
            UnsafeMutableRawPointer(out + i).storeBytes(of: v, as: Lanes.self)
            i += 8
        }
        while i < d { out[i] = (x[i] - mean) * inverse * gamma[i] + beta[i]; i += 1 }
    }
}
