import CBLAS
import Synchronization

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

/// Counts the floating-point operations of every matrix product (2·m·n·k each), so a benchmark
/// can report achieved GFLOP/s from what was really computed, and tests can hold the analytic
/// counts of `attnlab count` to it.
public enum FlopCounter {
    private static let total = Atomic<Int>(0)
    public static func add(_ flops: Int) { total.add(flops, ordering: .relaxed) }
    public static var value: Int { total.load(ordering: .relaxed) }
    /// Runs `body` and returns the matrix-product FLOPs it performed (other threads' work included).
    public static func measure<R>(_ body: () throws -> R) rethrows -> (result: R, flops: Int) {
        let before = value
        let result = try body()
        return (result, value - before)
    }
}

/// OpenBLAS's own worker threads. Set once, on purpose: a benchmark reports the number it used.
public enum BLASThreads {
    public static var count: Int { Int(openblas_get_num_threads()) }
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(n)) }
}

/// `a · b` for plain matrices a [m, k] and b [k, n] → [m, n].
public func matmul(_ a: Tensor, _ b: Tensor, transposeB: Bool = false) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matmul takes matrices, got \(a.shape) and \(b.shape)")
    let (m, k) = (a.shape[0], a.shape[1])
    let n = transposeB ? b.shape[0] : b.shape[1]
    precondition((transposeB ? b.shape[1] : b.shape[0]) == k, "matmul: inner sizes differ, \(a.shape) · \(b.shape)")
    var out = Tensor(zeros: [m, n])
    a.scalars.withUnsafeBufferPointer { pa in
        b.scalars.withUnsafeBufferPointer { pb in
            out.scalars.withUnsafeMutableBufferPointer { po in
                sgemm(m: m, n: n, k: k, pa.baseAddress!, lda: k,
                      pb.baseAddress!, ldb: b.shape[1], transposeB: transposeB,
                      into: po.baseAddress!, ldOut: n)
            }
        }
    }
    return out
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
        let rows = x.shape[0]
        var out: Tensor
        if let bias {
            // Start from the bias in every row and accumulate the product on top (beta = 1).
            var scalars = [Float](); scalars.reserveCapacity(rows * outFeatures)
            for _ in 0..<rows { scalars += bias.scalars }
            out = Tensor(shape: [rows, outFeatures], scalars: scalars)
        } else {
            out = Tensor(zeros: [rows, outFeatures])
        }
        let beta: Float = bias == nil ? 0 : 1
        x.scalars.withUnsafeBufferPointer { px in
            weight.scalars.withUnsafeBufferPointer { pw in
                out.scalars.withUnsafeMutableBufferPointer { po in
                    sgemm(m: rows, n: outFeatures, k: inFeatures,
                          px.baseAddress!, lda: inFeatures,
                          pw.baseAddress!, ldb: inFeatures, transposeB: true,
                          into: po.baseAddress!, ldOut: outFeatures, beta: beta)
                }
            }
        }
        return out
    }
}
