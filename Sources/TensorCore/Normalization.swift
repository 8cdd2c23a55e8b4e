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
        var out = x
        out.scalars.withUnsafeMutableBufferPointer { o in
            gamma.scalars.withUnsafeBufferPointer { g in
                let b = beta?.scalars
                for t in 0..<x.shape[0] {
                    let row = UnsafeMutableBufferPointer(rebasing: o[(t * d)..<((t + 1) * d)])
                    normalizeRow(row, gamma: g, beta: b)
                }
            }
        }
        return out
    }

    @inline(__always)
    private func normalizeRow(_ row: UnsafeMutableBufferPointer<Float>, gamma: UnsafeBufferPointer<Float>, beta: [Float]?) {
        let d = Float(row.count)
        var mean: Float = 0
        if kind == .layerNorm {
            for v in row { mean += v }
            mean /= d
        }
        var meanSquare: Float = 0
        for v in row { meanSquare += (v - mean) * (v - mean) }
        meanSquare /= d
        let inverse = 1 / (meanSquare + epsilon).squareRoot()
        for i in 0..<row.count {
            row[i] = (row[i] - mean) * inverse * gamma[i] + (beta?[i] ?? 0)
        }
    }
}
