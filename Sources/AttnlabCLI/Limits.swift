import ArgumentParser
import Transformer

/// Every count a user can type, with its stated bounds, in one place. Each is checked before
/// anything is sized from it, so a typo gets a sentence instead of a trap or a 800 GB allocation.
enum Limits {
    static let runs = 1...1_000            // timed runs of one measurement
    static let warmup = 0...100
    static let rounds = 1...100            // bench: paired rounds
    static let threads = 1...256           // OpenBLAS threads
    static let steps = 1...1_024           // generate: tokens to generate
    static let tokens = 1...65_536         // a random input's length (the model's own maximum also applies)
    static let maskLength = 1...8_192      // mask: rows and columns
    static let prefix = 0...65_536
    static let window = 1...65_536
    static let position = 0...65_536
    static let layerIndex = 0...255
    static let headIndex = 0...255
    // Model shapes. Counting takes any of these; building a model also needs `builtParameters`.
    static let width = 1...16_384
    static let heads = 1...256
    static let layers = 1...256
    static let mlpWidth = 1...65_536
    static let vocabulary = 1...1_000_000
    static let budget = 1...Int(1e13)
    /// The most parameters attnlab builds: 2 GB of float32 weights.
    static let builtParameters = 500_000_000

    /// The most memory a command plans to use: 8 GiB of weights, working tensors and recordings.
    static let workingMemory = 8 << 30

    /// Refuses a run whose weights, largest attention tensors and recorded activations would need
    /// more than `workingMemory`, before anything is allocated. Every size here is bounded by the
    /// checks above, so none of these products can overflow.
    static func checkMemory(_ model: TransformerModel, _ input: ModelInput, recorded: Int = 0) throws {
        let c = model.config
        let lengths = [input.encoder?.count ?? 0, input.decoder?.count ?? 0]
        let weights = 4 * ModelCount(model.architecture, c, encoderTokens: 0, decoderTokens: 0).parameters
        let longest = lengths.max() ?? 0
        // scores, pattern and a position bias of the widest attention, and a few [T, width] tensors
        // (T5's heads can together be wider than the residual stream)
        let attention = 3 * 4 * c.heads * longest * longest
        let activations = 32 * 4 * longest * max(c.width, c.mlpWidth, c.attentionWidth) + 4 * longest * c.vocabularySize
        let total = weights + attention + activations + recorded
        guard total <= workingMemory else {
            throw CLIError("this run would need about \(total >> 30) GiB of memory (weights, attention and what it records); "
                           + "attnlab plans for at most \(workingMemory >> 30) GiB: use fewer tokens, heads or layers, or record fewer hook points")
        }
    }

    /// "--runs must be 1...1000" for a value outside `range`; negative values get "must be at least".
    static func check(_ value: Int?, _ option: String, _ range: ClosedRange<Int>) throws {
        guard let value, !range.contains(value) else { return }
        if value < range.lowerBound {
            throw ValidationError("\(option) must be at least \(range.lowerBound), got \(value)")
        }
        throw ValidationError("\(option) must be at most \(range.upperBound), got \(value)")
    }
}
