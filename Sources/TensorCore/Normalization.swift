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

extension Norm {
    /// Backward of `callAsFunction`, accumulating (+=). Mean and 1/std are recomputed from the
    /// forward's input x, which is cheaper to keep than to save them.
    ///
    ///     x̂ = (x − mean)·r  (layer norm; x·r for RMS norm), r = 1/√(var + ε), y = x̂·γ + β
    ///     dx [T, d] += r · (g − mean(g) − x̂ · mean(g · x̂)),  g = dy · γ   (no mean(g) term for RMS norm)
    ///     grad.gamma [d] += Σ_t dy · x̂      grad.beta [d] += Σ_t dy
    ///
    /// dy [T, d], x [T, d]. The rows of dx are independent and run in parallel; the sums over rows
    /// for γ and β go in row order on one thread, so the result does not depend on thread timing.
    public func backward(dx: inout Tensor, grad: inout Norm, dy: Tensor, x: Tensor) {
        let d = gamma.count
        precondition(x.rank == 2 && x.shape[1] == d && dy.shape == x.shape && dx.shape == x.shape, "norm backward: x \(x.shape), dy \(dy.shape)")
        precondition(grad.gamma.shape == gamma.shape && (grad.beta == nil) == (beta == nil), "norm backward: gradient shapes differ")
        let rows = x.shape[0]
        let centred = kind == .layerNorm
        let epsilon = self.epsilon
        // x̂ of every row, shared by the two passes.
        var normed = [Float](repeating: 0, count: rows * d)
        var inverse = [Float](repeating: 0, count: rows)
        x.scalars.withUnsafeBufferPointer { px in
            normed.withUnsafeMutableBufferPointer { pn in
                inverse.withUnsafeMutableBufferPointer { pr in
                    Parallel.ranges(rows, workPerItem: d * 4) { range in
                        for t in range {
                            let row = px.baseAddress! + t * d, out = pn.baseAddress! + t * d
                            let mean = centred ? laneSum(row, d) / Float(d) : 0
                            var square: Float = 0
                            for i in 0..<d { square += (row[i] - mean) * (row[i] - mean) }
                            let r = 1 / (square / Float(d) + epsilon).squareRoot()
                            for i in 0..<d { out[i] = (row[i] - mean) * r }
                            pr[t] = r
                        }
                    }
                }
            }
        }
        normed.withUnsafeBufferPointer { pn in
            inverse.withUnsafeBufferPointer { pr in
                dy.scalars.withUnsafeBufferPointer { pdy in
                    gamma.scalars.withUnsafeBufferPointer { pg in
                        dx.scalars.withUnsafeMutableBufferPointer { pdx in
                            Parallel.ranges(rows, workPerItem: d * 4) { range in
                                for t in range {
                                    let xh = pn.baseAddress! + t * d, g = pdy.baseAddress! + t * d, out = pdx.baseAddress! + t * d
                                    var meanG: Float = 0, meanGX: Float = 0
                                    for i in 0..<d { meanG += g[i] * pg[i]; meanGX += g[i] * pg[i] * xh[i] }
                                    meanG = centred ? meanG / Float(d) : 0
                                    meanGX /= Float(d)
                                    for i in 0..<d { out[i] += pr[t] * (g[i] * pg[i] - meanG - xh[i] * meanGX) }
                                }
                            }
                        }
                    }
                    grad.gamma.scalars.withUnsafeMutableBufferPointer { dg in
                        for t in 0..<rows { for i in 0..<d { dg[i] += pdy[t * d + i] * pn[t * d + i] } }
                    }
                    if grad.beta != nil {
                        grad.beta!.scalars.withUnsafeMutableBufferPointer { db in   // ok: checked non-nil just above
                            for t in 0..<rows { for i in 0..<d { db[i] += pdy[t * d + i] } }
                        }
                    }
                }
            }
        }
    }
}
