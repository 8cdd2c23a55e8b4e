import Foundation
import TensorCore

/// Rotary position embedding (RoPE) in Hugging Face's Llama layout ("rotate half"): in each head,
/// dimension i and dimension i + dₕ/2 form a pair that is rotated by the angle p·θᵢ, p the token's
/// absolute position. A query at p and a key at p′ then meet at the angle (p − p′)·θᵢ: their dot
/// product depends on the distance alone, which is why RoPE needs no position vectors.
///
///     out[i]        = x[i]·cos(p·θᵢ) − x[i + dₕ/2]·sin(p·θᵢ)
///     out[i + dₕ/2] = x[i + dₕ/2]·cos(p·θᵢ) + x[i]·sin(p·θᵢ)          i < dₕ/2

/// θᵢ = base^(−2i/dₕ) for i < dₕ/2, in Float32 as transformers computes it
/// (`_compute_default_rope_parameters`), then stretched by `scaling`.   → [dₕ/2]
public func rotaryInverseFrequencies(headWidth: Int, base: Float, scaling: RotaryScaling?) -> [Float] {
    let half = headWidth / 2
    let plain = (0..<half).map { i -> Float in 1 / Foundation.pow(base, Float(2 * i) / Float(headWidth)) }
    guard let scaling else { return plain }
    switch scaling {
    case let .llama3(factor, low, high, original):
        // transformers' `_compute_llama3_parameters`, step by step in Float32: wavelengths longer
        // than original/low are divided by `factor`, shorter than original/high kept, and the band
        // between blended by how far into it the wavelength lies.
        let oldContext = Float(original)
        let (lowWavelength, highWavelength) = (oldContext / low, oldContext / high)
        return plain.map { frequency in
            let wavelength = 2 * Float.pi / frequency
            if wavelength < highWavelength { return frequency }
            if wavelength > lowWavelength { return frequency / factor }
            let smooth = (oldContext / wavelength - low) / (high - low)
            return (1 - smooth) * frequency / factor + smooth * frequency
        }
    }
}

/// cos(p·θᵢ) and sin(p·θᵢ) for a run of positions: the rotation every layer of a stack applies in
/// one call, computed once.
struct RotaryTable {
    let positions: Range<Int>
    let half: Int
    let cos: [Float]   // [positions.count, dₕ/2]
    let sin: [Float]   // [positions.count, dₕ/2]

    init(positions: Range<Int>, headWidth: Int, base: Float, scaling: RotaryScaling?) {
        let frequencies = rotaryInverseFrequencies(headWidth: headWidth, base: base, scaling: scaling)
        self.positions = positions
        half = frequencies.count
        var cos = [Float](repeating: 0, count: positions.count * half), sin = cos
        for (row, p) in positions.enumerated() {
            for i in 0..<half {
                let angle = Float(p) * frequencies[i]   // Float32, as transformers multiplies them
                cos[row * half + i] = Foundation.cos(angle)
                sin[row * half + i] = Foundation.sin(angle)
            }
        }
        self.cos = cos
        self.sin = sin
    }

    /// Rotates every head of x [B·T, heads·dₕ] in place; row r sits at position
    /// positions.lowerBound + r % T (each sequence of a batch starts at the same position).
    func rotate(_ x: inout Tensor, heads: Int) {
        let width = x.shape[1], rows = x.shape[0], t = positions.count
        let (half, dh) = (self.half, 2 * self.half)
        precondition(width == heads * dh && (t == 0 || rows % t == 0), "rotary: \(x.shape) for \(heads) heads of \(dh)")
        x.scalars.withUnsafeMutableBufferPointer { px in
            cos.withUnsafeBufferPointer { pc in
                sin.withUnsafeBufferPointer { ps in
                    let (base, c, s) = (px.baseAddress!, pc.baseAddress!, ps.baseAddress!)
                    Parallel.ranges(rows, workPerItem: width * 4) { range in
                        for r in range {
                            let angle = (r % t) * half
                            for h in 0..<heads {
                                let head = base + r * width + h * dh
                                for i in 0..<half {
                                    let (a, b) = (head[i], head[i + half])
                                    // (x·cos) + (rotate_half(x)·sin), in transformers' order of operations
                                    head[i] = a * c[angle + i] + (-b) * s[angle + i]
                                    head[i + half] = b * c[angle + i] + a * s[angle + i]
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// x [T, heads·dₕ] with each head rotated for positions `positions` (one row each): what the `q`
/// and `k` hooks of a rotary model show, for a caller that wants to check it.
public func rotaryEmbedding(_ x: Tensor, heads: Int, positions: Range<Int>, base: Float,
                            scaling: RotaryScaling? = nil) -> Tensor {
    let dh = x.shape[1] / heads
    var out = x
    RotaryTable(positions: positions, headWidth: dh, base: base, scaling: scaling).rotate(&out, heads: heads)
    return out
}
