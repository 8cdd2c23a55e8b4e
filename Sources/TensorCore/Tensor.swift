/// A contiguous, row-major block of Float32 with a shape: the one data type every layer passes around.
///
/// Value semantics (the storage is a Swift array, copied on write), so a hook that keeps a tensor
/// keeps a snapshot. The last dimension is the fastest-moving one, as in numpy's C order, which is
/// also the layout `cblas_sgemm` reads with `CblasRowMajor`.
public struct Tensor: Sendable, Equatable {
    public private(set) var shape: [Int]
    public var scalars: [Float]

    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(shape.reduce(1, *) == scalars.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// A shape with no scalars yet: a slot of a weights template (`ModelWeights.template`), which
    /// `ModelWeights.load` fills with a checkpoint's tensor of that shape. Nothing else may read
    /// it. It lets a loader check names and shapes without allocating a second copy of the weights.
    public init(unfilledShape shape: [Int]) {
        self.shape = shape
        self.scalars = []
    }

    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// Number of scalars.
    public var count: Int { scalars.count }
    public var rank: Int { shape.count }

    /// The same scalars seen with another shape of the same size.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    public subscript(i: Int, j: Int) -> Float {
        get { scalars[i * shape[1] + j] }
        set { scalars[i * shape[1] + j] = newValue }
    }

    public subscript(i: Int, j: Int, k: Int) -> Float {
        get { scalars[(i * shape[1] + j) * shape[2] + k] }
        set { scalars[(i * shape[1] + j) * shape[2] + k] = newValue }
    }

    /// Row `i` of a matrix (rank 2) as a copy.
    public func row(_ i: Int) -> [Float] {
        let width = shape[shape.count - 1]
        return Array(scalars[(i * width)..<((i + 1) * width)])
    }

    /// Rows `range` of a matrix [rows, cols] (or slices along the first axis of any tensor).
    public func rows(_ range: Range<Int>) -> Tensor {
        let stride = shape.dropFirst().reduce(1, *)
        var newShape = shape
        newShape[0] = range.count
        return Tensor(shape: newShape, scalars: Array(scalars[(range.lowerBound * stride)..<(range.upperBound * stride)]))
    }

    /// Slice `i` along the first axis, e.g. one head [T, T] of a pattern [H, T, T].
    public func slice(_ i: Int) -> Tensor {
        rows(i..<(i + 1)).reshaped(Array(shape.dropFirst()))
    }

    /// Largest absolute element-wise difference; the shapes must match. NaN if any difference is
    /// NaN, so a comparison against a tolerance fails rather than passing quietly.
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "shapes differ: \(shape) vs \(other.shape)")
        var worst: Float = 0
        for (a, b) in zip(scalars, other.scalars) {
            let d = abs(a - b)
            if d.isNaN { return .nan }
            worst = max(worst, d)
        }
        return worst
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String { "Tensor\(shape)" }
}
