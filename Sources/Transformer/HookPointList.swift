/// One hook point a model fires, with the shape of its activation and what it is, in words.
public struct HookPointInfo: Sendable, Equatable {
    public let point: HookPoint
    public let shape: [Int]
    public let description: String
    public var name: String { point.name }
}

extension TransformerModel {
    /// Every hook point a forward pass fires for inputs of these lengths, in the order it fires
    /// them, with shapes. (A tracer listening at `*` records exactly these; a test holds it to that.)
    /// A stack the architecture does not have ignores its length.
    public func hookPoints(encoderTokens: Int, decoderTokens: Int) -> [HookPointInfo] {
        let lengths: [Stack: Int] = [.encoder: encoderTokens, .decoder: decoderTokens]
        var list: [HookPointInfo] = []
        for stack in architecture.stacks {
            let t = lengths[stack] ?? 0
            list += stackHookPoints(stack, tokens: t, memory: stack == .decoder && architecture == .encoderDecoder ? encoderTokens : nil)
        }
        let outputTokens = architecture == .encoderOnly ? encoderTokens : decoderTokens
        if config.hasHead {
            list.append(HookPointInfo(point: .logits, shape: [outputTokens, config.vocabularySize],
                                      description: "the output: one score per vocabulary id"))
        }
        return list
    }

    /// One stack's points: embeddings, each block, the final norm.
    private func stackHookPoints(_ stack: Stack, tokens t: Int, memory: Int?) -> [HookPointInfo] {
        let d = config.width
        var list = [HookPointInfo(point: .embed(stack), shape: [t, d], description: "token (+ position) embeddings")]
        if embeddingNorm(stack) != nil {
            list.append(HookPointInfo(point: .embeddingNorm(stack), shape: [t, d], description: "after the embedding norm"))
        }
        for layer in 0..<config.layers {
            list += blockHookPoints(stack, layer, tokens: t, memory: memory)
        }
        if (stack == .encoder ? weights.encoder : weights.decoder)?.finalNorm != nil {
            list.append(HookPointInfo(point: .finalNorm(stack), shape: [t, d], description: "after the stack's final norm"))
        }
        return list
    }

    /// One block's points, in the order the block fires them.
    private func blockHookPoints(_ stack: Stack, _ layer: Int, tokens t: Int, memory: Int?) -> [HookPointInfo] {
        let d = config.width
        func residual(_ point: HookPoint.Point, _ what: String) -> HookPointInfo {
            HookPointInfo(point: .residual(stack, layer, point), shape: [t, d], description: what)
        }
        /// A sub-layer with its norm before it (pre-norm) or after the residual addition (post-norm).
        func sublayer(_ norm: HookPoint.Site, _ body: [HookPointInfo]) -> [HookPointInfo] {
            let normOut = HookPointInfo(point: .sublayer(stack, layer, norm, .out), shape: [t, d],
                                        description: config.normPlacement == .pre ? "the sub-layer's normed input"
                                                                                  : "the residual stream after the norm")
            return config.normPlacement == .pre ? [normOut] + body : body + [normOut]
        }
        var list = [residual(.residPre, "residual stream entering the block")]
        list += sublayer(.selfAttentionNorm, attentionHookPoints(stack, layer, .selfAttention, queries: t, keys: t))
        list.append(residual(.residMid, "residual stream after self-attention"))
        if let memory {
            list += sublayer(.crossAttentionNorm, attentionHookPoints(stack, layer, .crossAttention, queries: t, keys: memory))
        }
        list += sublayer(.mlpNorm, [
            HookPointInfo(point: .sublayer(stack, layer, .mlp, .pre), shape: [t, config.mlpWidth], description: "MLP hidden layer before the activation"),
            HookPointInfo(point: .sublayer(stack, layer, .mlp, .post), shape: [t, config.mlpWidth], description: "MLP hidden layer after the activation"),
            HookPointInfo(point: .sublayer(stack, layer, .mlp, .out), shape: [t, d], description: "the MLP's contribution"),
        ])
        list.append(residual(.residPost, "residual stream leaving the block"))
        return list
    }

    /// The eight points of one attention sub-layer: Tq query rows over Tk keys.
    private func attentionHookPoints(_ stack: Stack, _ layer: Int, _ site: HookPoint.Site,
                                     queries tq: Int, keys tk: Int) -> [HookPointInfo] {
        let (h, hkv, d, dh) = (config.heads, config.kvHeads, config.width, config.headWidth)
        let rotated = site == .selfAttention && config.positions.name == "rotary" ? ", rotated to their positions" : ""
        let entries: [(HookPoint.Point, [Int], String)] = [
            (.q, [h, tq, dh], "queries per head" + rotated),
            (.k, [hkv, tk, dh], "keys per key/value head" + rotated),
            (.v, [hkv, tk, dh], "values per key/value head"),
            (.scores, [h, tq, tk], "scaled QKᵀ (+ position bias), before the mask"),
            (.mask, [tq, tk], "1 = may attend, 0 = blocked"),
            (.pattern, [h, tq, tk], "the softmax: rows sum to 1, blocked cells exactly 0"),
            (.z, [tq, h * dh], "heads' weighted values, side by side"),
            (.out, [tq, d], "after the output projection"),
        ]
        return entries.map { HookPointInfo(point: .sublayer(stack, layer, site, $0.0), shape: $0.1, description: $0.2) }
    }
}
