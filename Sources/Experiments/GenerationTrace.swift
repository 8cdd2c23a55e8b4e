import TensorCore
import Transformer

/// Greedy generation, step by step, with what a class needs to see of each step: the chosen token,
/// what the KV cache holds, the attention of the position that predicted the token, and the work
/// done against recomputing the whole sequence. It generates twice (with and without the cache)
/// and says whether the two chose the same tokens.
public struct GenerationTrace: Sendable {
    /// One row of attention weights: which keys the predicting position read, and how much.
    public struct AttentionRow: Sendable {
        public let kind: String            // "self_attn" or "cross_attn"
        public let layer: Int
        public let head: Int
        /// The position whose output predicted the new token (the last one the call saw), and its label.
        public let predictingPosition: Int
        public let predictingLabel: String
        public let keys: [String]
        public let weights: [Float]
    }

    public struct Step: Sendable {
        public let index: Int                 // 0 for the first generated token
        public let token: Int
        public let label: String
        /// [keys+values, positions, heads, d_head] of one layer's self-attention cache, after this step.
        public let cacheShape: [Int]
        public let cacheBytesPerLayer: Int
        /// Bytes of one layer's cross-attention keys and values (computed once, in the first step).
        public let crossCacheBytesPerLayer: Int
        /// Matrix-product FLOPs of this step with the cache, and recomputing the whole sequence.
        public let flopsCached: Int
        public let flopsRecomputed: Int
        /// Decoder tokens the model had seen when it chose this one.
        public let sequenceLength: Int
        /// The predicting position's attention, in the last layer, head `head`: self-attention, and
        /// cross-attention for an encoder-decoder model.
        public let rows: [AttentionRow]
    }

    public let steps: [Step]
    public let cachedTokens: [Int]
    public let uncachedTokens: [Int]
    public var cachedEqualsUncached: Bool { cachedTokens == uncachedTokens }

    /// - Parameters:
    ///   - input: the encoder input (encoder-decoder) and the decoder's start.
    ///   - labels: the starting token labels of each stream; `label` names a generated id.
    ///   - stopAt: a token that ends the sequence (a trained model's `<eos>`), or nil to run all steps.
    ///   - observe: called after each cached step, e.g. to show progress.
    public init(_ model: TransformerModel, input: ModelInput, steps count: Int, head: Int = 0, stopAt: Int? = nil,
                labels: [Stack: [String]], label: (Int) -> String, observe: (Step) -> Void = { _ in }) throws {
        guard model.architecture.generates else { throw ExperimentError("an encoder-only model does not generate") }
        guard count >= 1 else { throw ExperimentError("generate at least one token") }
        guard (0..<model.config.heads).contains(head) else { throw ExperimentError("the head must be 0...\(model.config.heads - 1)") }
        let start = input.decoder?.count ?? 0
        // The last token chosen is never fed back, so it needs no position of its own.
        guard start + count - 1 <= model.config.maxLength else {
            throw ExperimentError("the start and \(count) steps need \(start + count - 1) positions; this model has \(model.config.maxLength)")
        }
        var recomputed: [Int] = []
        uncachedTokens = try generateGreedy(model, input: input, steps: count, cached: false, stopAt: stopAt,
                                            observe: { recomputed.append($0.flops) })
        let last = model.config.layers - 1
        var decoderLabels = labels[.decoder] ?? []
        var tracer = Tracer()
        var traced: [Step] = []
        cachedTokens = try generateGreedy(model, input: input, steps: count, cached: true, stopAt: stopAt, pass: { _ in
            tracer = Tracer(labels: [.decoder: decoderLabels, .encoder: labels[.encoder] ?? []])
            return Pass(hooks: .recording(tracer, pattern: "decoder.\(last).*_attn.pattern"))
        }, observe: { step in
            let rows = ["self_attn", "cross_attn"].compactMap { kind in
                tracer["decoder.\(last).\(kind).pattern"].map { Self.predictingRow($0, kind: kind, layer: last, head: head) }
            }
            let word = label(step.token)
            let made = Step(index: step.index, token: step.token, label: word,
                            cacheShape: step.cache?.layerShape ?? [], cacheBytesPerLayer: step.cache?.bytesPerLayer ?? 0,
                            crossCacheBytesPerLayer: step.cache?.crossBytesPerLayer ?? 0,
                            flopsCached: step.flops, flopsRecomputed: step.index < recomputed.count ? recomputed[step.index] : 0,
                            sequenceLength: step.sequenceLength, rows: rows)
            traced.append(made)
            decoderLabels.append(word)
            observe(made)
        })
        steps = traced
    }

    /// The last query row of a call's pattern [H, Tq, Tk]: at the first step the call also held the
    /// prompt, later calls hold the one new token. That row belongs to the position that predicted.
    static func predictingRow(_ recording: Recording, kind: String, layer: Int, head: Int) -> AttentionRow {
        let (queries, keys) = (recording.tensor.shape[1], recording.tensor.shape[2])
        let start = (head * queries + queries - 1) * keys
        return AttentionRow(kind: kind, layer: layer, head: head,
                            predictingPosition: recording.context.rowPositions.upperBound - 1,
                            predictingLabel: recording.rowLabels.last ?? "",
                            keys: recording.columnLabels ?? [], weights: Array(recording.tensor.scalars[start..<(start + keys)]))
    }
}
