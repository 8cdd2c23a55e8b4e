import TensorCore
import Transformer

/// Teacher forcing, checked: one parallel pass over the whole target against step-by-step decoding
/// through the KV cache. The logits must agree (up to float rounding); the timings show what the
/// parallel pass saves during training.
public struct TeacherForcingCheck: Sendable {
    /// Decoder positions compared.
    public let positions: Int
    /// Largest |parallel − step-by-step| over every logit; NaN if any difference is NaN.
    public let maxAbsDifference: Float
    public let parallel: TimingSummary
    public let stepByStep: TimingSummary

    /// The tolerance below which the two are the same predictions up to float32 rounding.
    public static let tolerance: Float = 1e-4
    public var agrees: Bool { maxAbsDifference <= Self.tolerance }   // false for NaN

    /// Compares the two ways on `input`, timing each `runs` times (after one untimed run each).
    public init(_ model: TransformerModel, input: ModelInput, runs: Int) throws {
        guard model.architecture.generates else {
            throw ExperimentError("teacher forcing is about generating models: an encoder-only model has no decoder")
        }
        var parallelLogits = try model.forward(input)
        var sequentialLogits = try stepByStepLogits(model, input: input)
        parallel = try Stopwatch.time(runs: runs) { parallelLogits = try model.forward(input) }
        stepByStep = try Stopwatch.time(runs: runs) { sequentialLogits = try stepByStepLogits(model, input: input) }
        positions = input.decoder?.count ?? 0
        maxAbsDifference = parallelLogits.maxAbsDifference(sequentialLogits)
    }
}
