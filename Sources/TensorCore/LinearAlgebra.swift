import CBLAS
import Foundation

/// What LAPACK (shipped inside OpenBLAS) tells about a square matrix: its singular values and its
/// determinant. Lessons use them to compare causal and bidirectional attention patterns.
public enum LinearAlgebra {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Singular values of a matrix [m, n], largest first (LAPACK's sgesvd).
    public static func singularValues(_ matrix: Tensor) throws -> [Float] {
        precondition(matrix.rank == 2, "singular values of a matrix, got \(matrix.shape)")
        // LAPACK is column-major, so it sees the transpose; the transpose has the same singular values.
        var (m, n) = (Int32(matrix.shape[1]), Int32(matrix.shape[0]))
        var a = matrix.scalars
        var s = [Float](repeating: 0, count: Int(min(m, n)))
        var lda = m, one: Int32 = 1, info: Int32 = 0
        var u: Float = 0, vt: Float = 0     // not computed (job "N")
        var job: CChar = 0x4E   // "N": singular values only
        var job2 = job
        var lwork: Int32 = -1
        var query: Float = 0
        sgesvd_(&job, &job2, &m, &n, &a, &lda, &s, &u, &one, &vt, &one, &query, &lwork, &info, 1, 1)
        lwork = Int32(query)
        var work = [Float](repeating: 0, count: Int(max(lwork, 1)))
        sgesvd_(&job, &job2, &m, &n, &a, &lda, &s, &u, &one, &vt, &one, &work, &lwork, &info, 1, 1)
        guard info == 0 else { throw Failure(description: "singular value decomposition did not converge (info \(info))") }
        return s
    }

    /// The determinant of a square matrix by LU factorisation with partial pivoting (LAPACK's
    /// sgetrf), as a sign and log₁₀ of its magnitude, since the product of many small pivots
    /// underflows. A singular matrix has sign 0.
    public static func determinant(_ matrix: Tensor) -> (sign: Int, log10Magnitude: Double) {
        precondition(matrix.rank == 2 && matrix.shape[0] == matrix.shape[1], "determinant of a square matrix, got \(matrix.shape)")
        var n = Int32(matrix.shape[0]), lda = n, info: Int32 = 0
        var a = matrix.scalars          // column-major view of the transpose: same determinant
        var pivots = [Int32](repeating: 0, count: Int(n))
        sgetrf_(&n, &n, &a, &lda, &pivots, &info)
        var sign = 1, log10Magnitude = 0.0
        for i in 0..<Int(n) {
            let pivot = Double(a[i * Int(n) + i])
            if pivot == 0 { return (0, -.infinity) }
            if pivot < 0 { sign = -sign }
            if pivots[i] != Int32(i + 1) { sign = -sign }
            log10Magnitude += log10(abs(pivot))
        }
        return (sign, log10Magnitude)
    }
}
