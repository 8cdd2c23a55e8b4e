/// Vectorised exp and erf for the element-wise passes (softmax, GELU).
///
/// libm's scalar `expf`/`tanhf` would dominate a GPT-2 forward (millions of calls per pass); these
/// work eight lanes at a time with the classic range reduction e^x = 2^n · e^r, |r| ≤ ln2/2, and a
/// degree-6 polynomial for e^r. Relative error is about 2e-7, below Float32's own rounding of the
/// inputs; the tests hold them to libm.
public typealias Lanes = SIMD8<Float>

@inline(__always)
public func fastExp(_ x: Lanes) -> Lanes {
    // Clamp to where e^x is a normal Float (up to ln(Float.max) ≈ 88.72; beyond, the product below
    // overflows to +inf, which is the right answer); below -87.3 the result is set to 0 at the end.
    var clamped = x.replacing(with: -87.3, where: x .< -87.3)
    clamped.replace(with: 89, where: clamped .> 89)
    // n = round(x / ln 2) by the 1.5·2^23 trick: adding it leaves n in the low mantissa bits, rounded
    // to nearest even by the FPU itself. (The library's lane-wise `rounded()` calls rintf per lane.)
    let shifted = clamped * 1.442_695_04 + 12_582_912
    let n = shifted - 12_582_912
    let r = clamped - n * 0.693_145_75 - n * 1.428_606_8e-6                // x − n·ln2 in two parts
    // e^r by Horner, Taylor coefficients 1/k!
    var p = Lanes(repeating: 1.0 / 720)
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    // 2^n built in the exponent bits. `shifted` is 1.5·2^23 + n, so its bit pattern minus that of
    // 1.5·2^23 is n itself. n runs from -126 to 128, and 2^128 does not fit a Float's exponent, so
    // 2^n is made as 2^(n/2) · 2^(n - n/2), each half well inside the range.
    let n32 = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
    let half = n32 &>> 1, rest = n32 &- half
    let scale1 = unsafeBitCast((half &+ 127) &<< 23, to: Lanes.self)
    let scale2 = unsafeBitCast((rest &+ 127) &<< 23, to: Lanes.self)
    var result = p * scale1 * scale2
    result.replace(with: 0, where: x .< -87.3)
    return result
}

@inline(__always)
public func fastExp(_ x: Float) -> Float { fastExp(Lanes(repeating: x))[0] }

/// erf by Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7), odd-symmetric.
@inline(__always)
public func fastErf(_ x: Lanes) -> Lanes {
    let a = unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Lanes.self)   // |x|
    let t = 1 / (1 + 0.327_591_1 * a)
    var poly = Lanes(repeating: 1.061_405_429)
    poly = poly * t - 1.453_152_027
    poly = poly * t + 1.421_413_741
    poly = poly * t - 0.284_496_736
    poly = poly * t + 0.254_829_592
    poly = poly * t
    let y = 1 - poly * fastExp(-(a * a))
    var signed = y
    signed.replace(with: -y, where: x .< 0)
    return signed
}

/// Applies a lane function to a whole buffer in place, eight at a time, then the tail.
@inline(__always)
func mapLanes(_ buffer: UnsafeMutableBufferPointer<Float>, _ f: (Lanes) -> Lanes) {
    let n = buffer.count
    guard let base = buffer.baseAddress else { return }
    var i = 0
    while i + 8 <= n {
        let v = UnsafeRawPointer(base + i).loadUnaligned(as: Lanes.self)
        UnsafeMutableRawPointer(base + i).storeBytes(of: f(v), as: Lanes.self)
        i += 8
    }
    if i < n {
        var v = Lanes(repeating: 0)
        for j in i..<n { v[j - i] = base[j] }
        let r = f(v)
        for j in i..<n { base[j] = r[j - i] }
    }
}
