/// Parameters and matrix-product FLOPs of a model, component by component, worked out from its
/// configuration alone (the tests hold them to the real weights and to the FLOPs a forward pass
/// really performs). A checkpoint's optional extras (`ModelWeights.tokenTypeEmbedding`,
/// `headTransform`, a decoder's own position table, …) are not in the configuration and not counted.
public struct ModelCount: Sendable {
    public struct Component: Sendable {
        public let name: String
        public let parameters: Int
        /// Floating-point operations of the matrix products in one forward pass (2·m·n·k each).
        public let flops: Int
    }

    public let architecture: Architecture
    public let config: ModelConfig
    public let components: [Component]

    public var parameters: Int { components.reduce(0) { $0 + $1.parameters } }
    public var flops: Int { components.reduce(0) { $0 + $1.flops } }

    /// Counts for one forward pass over `encoderTokens` (encoder-only, encoder-decoder) and
    /// `decoderTokens` (decoder-only, encoder-decoder) tokens, without a KV cache.
    public init(_ architecture: Architecture, _ c: ModelConfig, encoderTokens: Int, decoderTokens: Int) {
        self.architecture = architecture
        self.config = c
        let d = c.width, f = c.mlpWidth, v = c.vocabularySize, layers = c.layers
        let (dq, dkv) = (c.attentionWidth, c.keyValueWidth)   // query heads' and key/value heads' widths
        let mlpMatrices = c.gatedMLP ? 3 : 2
        let bias = c.biases ? 1 : 0
        let normSize = d + (c.normKind == .layerNorm && c.biases ? d : 0)
        let linear = { (out: Int, inn: Int) in out * inn + bias * out }
        var relativeBias = 0
        if case let .relativeBias(buckets, _) = c.positions { relativeBias = buckets * c.heads }

        let stacks = architecture.stacks
        let tokens = { (stack: Stack) in stack == .encoder ? encoderTokens : decoderTokens }
        let hasCross = architecture == .encoderDecoder
        let outputTokens = architecture == .encoderOnly ? encoderTokens : decoderTokens

        let embeddings = v * d + (c.positions == .learned ? (c.maxLength + c.positionOffset) * d : 0)
            + (c.embeddingNorm ? normSize : 0)
        // q and o at the query heads' width, k and v at the key/value heads'.
        let attentionParameters = linear(dq, d) + 2 * linear(dkv, d) + linear(d, dq)

        var selfParameters = 0, selfFlops = 0, mlpParameters = 0, mlpFlops = 0, norms = 0
        for stack in stacks {
            let t = tokens(stack)
            selfParameters += layers * attentionParameters + relativeBias
            // q, k, v, o projections, then scores (QKᵀ) and the weighted sum, over all query heads.
            selfFlops += layers * (2 * t * d * (2 * dq + 2 * dkv) + 2 * 2 * t * t * dq)
            mlpParameters += layers * ((mlpMatrices - 1) * linear(f, d) + linear(d, f))
            mlpFlops += layers * mlpMatrices * (2 * t * d * f)
            norms += layers * 2 * normSize + (c.normPlacement == .pre ? normSize : 0)
        }
        var crossParameters = 0, crossFlops = 0
        if hasCross {
            let (t, s) = (decoderTokens, encoderTokens)
            crossParameters = layers * attentionParameters
            // q and o on the decoder's tokens, k and v on the encoder's, then scores and weighted sum.
            crossFlops = layers * (2 * 2 * t * d * dq + 2 * 2 * s * d * dkv + 2 * 2 * t * s * dq)
            norms += layers * normSize
        }
        var parts = [
            Component(name: "embeddings", parameters: embeddings, flops: 0),
            Component(name: "self-attention", parameters: selfParameters, flops: selfFlops),
        ]
        if hasCross { parts.append(Component(name: "cross-attention", parameters: crossParameters, flops: crossFlops)) }
        parts += [
            Component(name: "MLP", parameters: mlpParameters, flops: mlpFlops),
            Component(name: "norms", parameters: norms, flops: 0),
            Component(name: "unembedding", parameters: c.tiedEmbeddings || !c.hasHead ? 0 : v * d,
                      flops: c.hasHead ? 2 * outputTokens * d * v : 0),
        ]
        components = parts
    }

    /// The number of layers per stack whose parameter count comes closest to `budget`.
    public static func layers(for budget: Int, _ architecture: Architecture, _ config: ModelConfig,
                              encoderTokens: Int, decoderTokens: Int) -> Int {
        var best = 1, bestGap = Int.max
        for layers in 1...256 {
            var c = config
            c.layers = layers
            let gap = abs(ModelCount(architecture, c, encoderTokens: encoderTokens, decoderTokens: decoderTokens).parameters - budget)
            if gap < bestGap { (best, bestGap) = (layers, gap) }
        }
        return best
    }
}

/// How many next-token (or masked-token) predictions one training sequence provides.
public enum TrainingSignal {
    /// A causal language model predicts every token from the ones before it: T − 1 targets.
    public static func causalLM(tokens: Int) -> Int { max(tokens - 1, 0) }
    /// A masked language model predicts only the tokens it hid: about 15% of them (BERT).
    public static func maskedLM(tokens: Int, rate: Double = 0.15) -> Int { Int((Double(tokens) * rate).rounded()) }
    /// A sequence-to-sequence model is trained on its target tokens only; the source is input.
    public static func sequenceToSequence(targetTokens: Int) -> Int { targetTokens }
}
