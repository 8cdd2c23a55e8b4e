import Foundation
import TensorCore
import Transformer

/// The rank of one attention pattern, told two ways:
/// - exactly, through the determinant: a causal pattern is lower-triangular with a positive
///   diagonal, so its determinant is the product of that diagonal and is never 0;
/// - numerically, by counting singular values above a float32 noise floor. Values below the floor
///   are what rounding alone can produce, so they are not evidence of anything.
public struct RankAnalysis: Sendable {
    public let size: Int
    /// Largest first.
    public let singularValues: [Float]
    /// σ_max · n · ε(float32): singular values at or below this are indistinguishable from 0 in float32.
    public let noiseFloor: Float
    /// Singular values above the noise floor.
    public let numericalRank: Int
    /// Sign (0 for a singular matrix) and log₁₀ magnitude of the determinant.
    public let determinantSign: Int
    public let log10Determinant: Double
    /// log₁₀ of the product of the diagonal, and the diagonal's smallest and largest entries.
    public let log10DiagonalProduct: Double
    public let diagonalRange: ClosedRange<Float>
    /// Whether every cell above the diagonal is exactly 0.
    public let isLowerTriangular: Bool

    /// The float32 noise floor used: σ_max · n · ε.
    public static func noiseFloor(largest: Float, size: Int) -> Float { largest * Float(size) * Float.ulpOfOne }

    public init(_ matrix: Tensor) throws {
        guard matrix.rank == 2, matrix.shape[0] == matrix.shape[1], matrix.shape[0] > 0 else {
            throw ExperimentError("rank analysis takes a square matrix, got \(matrix.shape)")
        }
        let n = matrix.shape[0]
        size = n
        let values = try LinearAlgebra.singularValues(matrix)
        let floor = Self.noiseFloor(largest: values.first ?? 0, size: n)
        singularValues = values
        noiseFloor = floor
        numericalRank = values.filter { $0 > floor }.count
        (determinantSign, log10Determinant) = LinearAlgebra.determinant(matrix)
        let diagonal = (0..<n).map { matrix[$0, $0] }
        log10DiagonalProduct = diagonal.map { log10(Double(abs($0))) }.reduce(0, +)
        diagonalRange = (diagonal.min() ?? 0)...(diagonal.max() ?? 0)
        isLowerTriangular = (0..<n).allSatisfy { i in ((i + 1)..<n).allSatisfy { matrix[i, $0] == 0 } }
    }
}

/// One set of weights, run twice on the same tokens: with the causal and with the bidirectional
/// self-attention mask on `stack`, and the rank of one head's pattern each time.
public struct RankComparison: Sendable {
    public let layer: Int
    public let head: Int
    public let causal: RankAnalysis
    public let bidirectional: RankAnalysis

    public init(_ model: TransformerModel, input: ModelInput, stack: Stack, layer: Int, head: Int) throws {
        guard (0..<model.config.layers).contains(layer), (0..<model.config.heads).contains(head) else {
            throw ExperimentError("the layer must be 0...\(model.config.layers - 1) and the head 0...\(model.config.heads - 1)")
        }
        func pattern(_ rule: MaskRule) throws -> Tensor {
            var variant = model
            variant.selfAttentionRules[stack] = rule
            let tracer = Tracer()
            let name = "\(stack.rawValue).\(layer).self_attn.pattern"
            _ = try variant.forward(input, pass: Pass(hooks: .recording(tracer, pattern: name)))
            guard let recording = tracer[name] else { throw ExperimentError("no pattern was recorded at \(name)") }
            return recording.tensor.slice(head)
        }
        self.layer = layer
        self.head = head
        causal = try RankAnalysis(pattern(Transformer.causal()))
        bidirectional = try RankAnalysis(pattern(Transformer.bidirectional()))
    }
}
