import CBLAS
import Foundation

/// The one place attnlab calls `cblas_sgemm`. Everything else (linear layers, per-head
/// attention products) describes its operands as row-major views — a pointer and a row stride —
/// so heads are read in place with `ld = d_model` instead of being copied out.
///
///     out[m, n] = alpha · op(a)[m, k] · op(b)[k, n] + beta · out[m, n]
///
/// `lda`, `ldb`, `ldOut` are the row strides (elements between consecutive rows) of the operands as
/// stored, i.e. before `op` transposes them.
@inline(__always)
public func sgemm(m: Int, n: Int, k: Int,
                  _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                  _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                  into out: UnsafeMutablePointer<Float>, ldOut: Int,
                  alpha: Float = 1, beta: Float = 0) {
    guard m > 0, n > 0 else { return }
    FlopCounter.add(2 * m * n * k)
    cblas_sgemm(CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k),
                alpha, a, Int32(lda), b, Int32(ldb),
                beta, out, Int32(ldOut))
}

/// Counts the floating-point operations of the matrix products (2·m·n·k each) done inside
/// `measure`, so a benchmark reports achieved GFLOP/s from what was really computed and tests can
/// hold `attnlab count`'s analytic numbers to it. Task-local: products of other work running at
/// the same time are not counted.
public enum FlopCounter {
    /// Only ever touched by the task that made it.
    final class Tally: @unchecked Sendable { var flops = 0 }
    @TaskLocal static var tally: Tally?

    @inline(__always)
    static func add(_ flops: Int) { tally?.flops += flops }

    /// Runs `body` and returns the matrix-product FLOPs it performed. Measurements nest: an
    /// enclosing `measure` counts these FLOPs too.
    public static func measure<R>(_ body: () throws -> R) rethrows -> (result: R, flops: Int) {
        let outer = tally, inner = Tally()
        defer { outer?.flops += inner.flops }
        let result = try $tally.withValue(inner) { try body() }
        return (result, inner.flops)
    }
}

/// OpenBLAS's own worker threads. Set once, on purpose: a benchmark reports the number it used.
public enum BLASThreads {
    public static var count: Int { Int(openblas_get_num_threads()) }
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(n)) }
}

/// Which of OpenBLAS's kernels runs the products.
///
/// OpenBLAS picks its kernels when it is loaded, from the CPU's model number. A CPU newer than the
/// library (OpenBLAS 0.3.21, Debian 12's, on a 2024 Xeon) is not recognised and gets the generic
/// SSE3 "Prescott" kernels, 4–5× slower than the AVX-512 ones the CPU can run. OpenBLAS's
/// documented override is the OPENBLAS_CORETYPE environment variable, read only at load time;
/// `betterCoreType` says what to set it to (the executable then restarts itself once).
public enum BLASCore {
    public static var name: String { String(cString: openblas_get_corename()) }

    /// A faster core type this CPU supports, when OpenBLAS fell back to a generic one; else nil.
    /// The caller supplies the CPU's feature flags (on Linux, the `flags` line of /proc/cpuinfo):
    /// reading system files is the executable's business, not the tensor library's.
    public static func betterCoreType(cpuFlags: Set<String>) -> String? {
        let generic: Set<String> = ["prescott", "core2", "nehalem", "katmai", "northwood", "banias"]
        guard generic.contains(name.lowercased()) else { return nil }
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }
}

/// `a · b` (or `a · bᵀ`) for plain matrices a [m, k] and b [k, n] (or [n, k]) → [m, n].
///
/// A very wide `a · bᵀ` — GPT-2's unembedding is [128, 768] · [50257, 768]ᵀ — is done in blocks of
/// 4096 rows of b: OpenBLAS then keeps each block's packed panels in cache, which measured 55 → 45 ms
/// on that product on a 2-core machine. Narrower products go in one call.
public func matmul(_ a: Tensor, _ b: Tensor, transposeB: Bool = false) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matmul takes matrices, got \(a.shape) and \(b.shape)")
    let (m, k) = (a.shape[0], a.shape[1])
    let n = transposeB ? b.shape[0] : b.shape[1]
    precondition((transposeB ? b.shape[1] : b.shape[0]) == k, "matmul: inner sizes differ, \(a.shape) · \(b.shape)")
    let block = transposeB && n > 8192 ? 4096 : n
    return Tensor(shape: [m, n]) { out in
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                for start in stride(from: 0, to: n, by: block) {
                    let width = min(block, n - start)
                    sgemm(m: m, n: width, k: k, pa.baseAddress!, lda: k,
                          pb.baseAddress! + (transposeB ? start * k : start), ldb: b.shape[1], transposeB: transposeB,
                          into: out.baseAddress! + start, ldOut: n)
                }
            }
        }
    }
}

/// A linear layer as PyTorch stores it: weight [out, in], optional bias [out].
public struct Linear: Sendable {
    public var weight: Tensor
    public var bias: Tensor?
    public init(weight: Tensor, bias: Tensor?) {
        precondition(weight.rank == 2, "a linear weight is [out, in], got \(weight.shape)")
        if let bias { precondition(bias.shape == [weight.shape[0]], "bias \(bias.shape) for weight \(weight.shape)") }
        self.weight = weight
        self.bias = bias
    }
    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    /// out [T, out] = x [T, in] · weightᵀ + bias
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == inFeatures, "linear expects [T, \(inFeatures)], got \(x.shape)")
        let (rows, n) = (x.shape[0], outFeatures)
        return Tensor(shape: [rows, n]) { out in
            // Start every row from the bias and let the product accumulate on top of it (beta = 1).
            if let bias {
                bias.scalars.withUnsafeBufferPointer { b in
                    for t in 0..<rows { (out.baseAddress! + t * n).update(from: b.baseAddress!, count: n) }
                }
            }
            x.scalars.withUnsafeBufferPointer { px in
                weight.scalars.withUnsafeBufferPointer { pw in
                    sgemm(m: rows, n: n, k: inFeatures, px.baseAddress!, lda: inFeatures,
                          pw.baseAddress!, ldb: inFeatures, transposeB: true,
                          into: out.baseAddress!, ldOut: n, beta: bias == nil ? 0 : 1)
                }
            }
        }
    }
}

extension Linear {
    /// Backward of `callAsFunction`, accumulating (+=) as llm.c does, so a tensor read by several
    /// layers (the residual stream, an encoder's memory) collects every path's gradient in place.
    ///
    ///     dx [T, in]      += dy · weight        dy [T, out], weight [out, in]
    ///     grad.weight [out, in] += dyᵀ · x      x [T, in], the forward's input
    ///     grad.bias [out] += Σ_t dy[t]          (as onesᵀ · dy, so it is one more sgemm, not a Swift loop)
    ///
    /// Rows of dy that are 0 (padding, ignored labels) add nothing anywhere.
    public func backward(dx: inout Tensor, grad: inout Linear, dy: Tensor, x: Tensor) {
        let (rows, n, k) = (x.shape[0], outFeatures, inFeatures)
        precondition(dy.shape == [rows, n] && dx.shape == x.shape && x.shape == [rows, k], "linear backward: dy \(dy.shape), x \(x.shape), dx \(dx.shape)")
        precondition(grad.weight.shape == weight.shape && (grad.bias == nil) == (bias == nil), "linear backward: gradient shapes differ")
        guard rows > 0 else { return }
        dy.scalars.withUnsafeBufferPointer { pdy in
            weight.scalars.withUnsafeBufferPointer { pw in
                dx.scalars.withUnsafeMutableBufferPointer { pdx in
                    sgemm(m: rows, n: k, k: n, pdy.baseAddress!, lda: n, pw.baseAddress!, ldb: k,
                          into: pdx.baseAddress!, ldOut: k, beta: 1)
                }
            }
            x.scalars.withUnsafeBufferPointer { px in
                grad.weight.scalars.withUnsafeMutableBufferPointer { pg in
                    sgemm(m: n, n: k, k: rows, pdy.baseAddress!, lda: n, transposeA: true, px.baseAddress!, ldb: k,
                          into: pg.baseAddress!, ldOut: k, beta: 1)
                }
            }
            guard grad.bias != nil else { return }
            let ones = [Float](repeating: 1, count: rows)
            ones.withUnsafeBufferPointer { po in
                grad.bias!.scalars.withUnsafeMutableBufferPointer { pb in   // ok: checked non-nil just above
                    sgemm(m: 1, n: n, k: rows, po.baseAddress!, lda: rows, pdy.baseAddress!, ldb: n,
                          into: pb.baseAddress!, ldOut: n, beta: 1)
                }
            }
        }
    }
}
