#if canImport(Glibc)
import Glibc
#endif

/// Raw little-endian scalars from a file turned into Float32, in plain loops the compiler vectorises.
///
/// Checkpoints are often stored in 16 bits. `Float(Float16(bitPattern:))` is a library call per
/// scalar on x86-64 CPUs without the F16C extension (Swift's default target); the bit arithmetic
/// below converts about eight times faster (40 million scalars: 0.02 s against 0.15 s on one core).
/// (Swift's SIMD8 types were slower still here: their lane-wise selects are not compiled to vector
/// instructions.) bfloat16 is simply the top half of a Float32.
///
/// Large tensors are split across the cores; each range is converted the same way, so the result
/// does not depend on the split.
extension ScalarEncoding {
    /// The scalars in `bytes`, whose count must be a multiple of `byteCount`, at any alignment (a
    /// safetensors or .npy payload may start at any byte of a mapped file), written straight into
    /// the array's storage. They are converted a few megabytes at a time, and `converted(n)` is
    /// told after each piece that the first n bytes are done with, so a mapped file's pages can be
    /// given back while a large tensor is still being made.
    func floats(_ bytes: UnsafeRawBufferPointer, converted: (Int) -> Void = { _ in }) -> [Float] {
        let count = bytes.count / byteCount
        guard count > 0, let source = bytes.baseAddress else { return [] }
        let piece = (8 << 20) / byteCount
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            guard let target = out.baseAddress else { return }   // capacity > 0, so never nil
            var done = 0
            while done < count {
                let next = min(count, done + piece)
                populatePages(UnsafeMutableRawPointer(target + done), byteCount: (next - done) * 4)
                convert(source + done * byteCount, to: target + done, count: next - done)
                done = next
                converted(done * byteCount)
            }
            initialized = count
        }
    }

    /// Writes the `count` scalars at `source` (any alignment) to `target` as Float32.
    func convert(_ source: UnsafeRawPointer, to target: UnsafeMutablePointer<Float>, count: Int) {
        // One range per core once a tensor is big enough to be worth the hand-over (~ 1/4 MB).
        Parallel.ranges(count, minimumWork: 65_536) { range in
            let from = source + range.lowerBound * byteCount, to = target + range.lowerBound
            switch self {
            case .f32: UnsafeMutableRawPointer(to).copyMemory(from: from, byteCount: range.count * 4)
            case .f64: convertF64(from, to, range.count)
            case .f16: convertF16(from, to, range.count)
            case .bf16: convertBF16(from, to, range.count)
            case .i64: convertInteger(from, to, range.count, as: Int64.self)
            case .i32: convertInteger(from, to, range.count, as: Int32.self)
            case .i16: convertInteger(from, to, range.count, as: Int16.self)
            case .i8: convertInteger(from, to, range.count, as: Int8.self)
            case .u8: convertInteger(from, to, range.count, as: UInt8.self)
            case .bool: for i in 0..<range.count { to[i] = from.load(fromByteOffset: i, as: UInt8.self) == 0 ? 0 : 1 }
            }
        }
    }
}

private func convertF64(_ source: UnsafeRawPointer, _ target: UnsafeMutablePointer<Float>, _ count: Int) {
    for i in 0..<count { target[i] = Float(source.loadUnaligned(fromByteOffset: i * 8, as: Double.self)) }
}

/// Asks Linux (5.14 and later) to back a fresh allocation with memory in one call, instead of one
/// page fault per 4 KiB page as the conversion first writes it: a quarter less CPU time for a
/// GPT-2-sized checkpoint. Elsewhere, or on an older kernel that refuses, the faults happen as usual.
private func populatePages(_ start: UnsafeMutableRawPointer, byteCount: Int) {
    #if os(Linux)
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let first = (Int(bitPattern: start) + page - 1) / page * page, end = (Int(bitPattern: start) + byteCount) / page * page
    guard end > first, let aligned = UnsafeMutableRawPointer(bitPattern: first) else { return }
    _ = madvise(aligned, end - first, MADV_POPULATE_WRITE)
    #endif
}

private func convertInteger<Integer: FixedWidthInteger>(_ source: UnsafeRawPointer, _ target: UnsafeMutablePointer<Float>,
                                                        _ count: Int, as _: Integer.Type) {
    for i in 0..<count {
        target[i] = Float(source.loadUnaligned(fromByteOffset: i * MemoryLayout<Integer>.size, as: Integer.self))
    }
}

private func convertBF16(_ source: UnsafeRawPointer, _ target: UnsafeMutablePointer<Float>, _ count: Int) {
    for i in 0..<count {
        target[i] = Float(bitPattern: UInt32(source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) << 16)
    }
}

private func convertF16(_ source: UnsafeRawPointer, _ target: UnsafeMutablePointer<Float>, _ count: Int) {
    for i in 0..<count {
        target[i] = Float(bitPattern: halfBitsToFloatBits(UInt32(source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))))
    }
}

/// IEEE half (1 sign, 5 exponent, 10 mantissa bits, in the low 16 bits) to the bits of the
/// Float32 of the same value, exactly, with integer arithmetic and selects only, so the compiler
/// vectorises the loop (no branches, and no subnormal floats reach the FPU, where they are slow):
/// - normal numbers: the exponent and mantissa bits move up 13 places and the exponent's bias
///   changes from 15 to 127;
/// - infinity and NaN (exponent all ones) keep an all-ones exponent, and NaN its payload;
/// - zero and subnormals (exponent 0): a normal Float32 2⁻¹⁴ · (1 + m/1024) is made, and 2⁻¹⁴
///   subtracted, leaving m · 2⁻²⁴ exactly.
@inline(__always)
func halfBitsToFloatBits(_ half: UInt32) -> UInt32 {
    let shiftedExponentMask: UInt32 = 0x7C00 << 13
    let magnitude = (half & 0x7FFF) << 13
    let exponent = magnitude & shiftedExponentMask
    var bits = magnitude &+ ((127 - 15) << 23)
    bits = exponent == shiftedExponentMask ? bits &+ ((128 - 16) << 23) : bits
    let smallestNormalHalf = Float(bitPattern: 113 << 23)   // 2⁻¹⁴
    let renormalised = (Float(bitPattern: bits &+ (1 << 23)) - smallestNormalHalf).bitPattern
    bits = exponent == 0 ? renormalised : bits
    return bits | ((half & 0x8000) << 16)
}
