import TensorCore

/// Training's backward pass: the batched forward keeps what it computed (`Pass(saving: true)`),
/// and the gradient runs back through it block by block, in llm.c's manner: every op's backward
/// sits beside its forward (Gemm, Normalization, Activations, Softmax, Attention, Block, Model,
/// Positions) and accumulates (+=) into gradients shaped like the weights.
///
/// Padded rows carry no loss; their gradient is exactly 0 all the way down (padded keys have a
/// pattern of exactly 0, so no real row hands them anything), and the embedding's scatter skips them.
extension TransformerModel {
    /// Mean softmax cross-entropy of the batch and the gradient of every parameter.
    ///
    /// - Parameters:
    ///   - batch: the inputs, run together as `forward(batch:pass:)` runs them.
    ///   - labels: `labels[b]` has one entry per output position of sequence b (its decoder tokens,
    ///     or its encoder tokens for an encoder-only model): the id that position should predict, or
    ///     `CrossEntropy.ignoreLabel` (-100) for no loss there.
    ///   - pass: hooks to run during the forward; if it does not save, a saving pass with the same
    ///     hooks runs instead (and its count of fully blocked rows is added to this one). Hooks that
    ///     change activations are not differentiated through: the gradient is that of the model
    ///     evaluated at the hooked activations.
    /// - Returns: the loss, the mean over every non-ignored position of the batch (0, with zero
    ///   gradients, when every label is ignored); gradients with the names and shapes of `weights`;
    ///   and the argmax id at each output position.
    public func lossAndGradients(batch inputs: [ModelInput], labels: [[Int]], pass: Pass = Pass()) throws
        -> (loss: Float, gradients: ModelWeights, predictions: [[Int]]) {
        if !trainingUnsupportedFeatures.isEmpty { throw ModelError.trainingUnsupported(features: trainingUnsupportedFeatures) }
        let run = pass.saving ? pass : Pass(hooks: pass.hooks, saving: true)
        let logits = try forward(batch: inputs, pass: run)
        if run !== pass { pass.fullyBlockedRows += run.fullyBlockedRows }
        let out: Stack = architecture == .encoderOnly ? .encoder : .decoder
        try check(labels, logits: logits, stack: out)
        let vocab = config.vocabularySize
        let layout = BatchLayout(lengths: logits.map { $0.shape[0] })
        let counted = labels.reduce(0) { $0 + $1.filter { $0 != CrossEntropy.ignoreLabel }.count }

        // Loss and the gradient of the logits, as one padded block [B·T, vocab] (0 on padding).
        var dLogits = Tensor(zeros: [layout.totalRows, vocab])
        var lossSum = 0.0
        dLogits.scalars.withUnsafeMutableBufferPointer { pd in
            for b in 0..<layout.count {
                logits[b].scalars.withUnsafeBufferPointer { pl in
                    lossSum += CrossEntropy.lossAndGradient(dLogits: pd.baseAddress! + layout.block(b).lowerBound * vocab,
                                                            logits: pl.baseAddress!, labels: labels[b],
                                                            rows: layout.lengths[b], vocab: vocab, count: counted)
                }
            }
        }
        let predictions = logits.map(argmaxRows)

        var grads = ModelWeights.zeros(like: weights)
        let hidden = try stackOutput(out, run)
        var dHidden = Tensor(zeros: hidden.shape)
        if let unembedding = weights.unembedding, grads.unembedding != nil {
            unembedBackward(dHidden: &dHidden, dTable: &grads.unembedding!,   // ok: checked non-nil just above
                            dLogits: dLogits, hidden: hidden, table: unembedding)
        } else {
            unembedBackward(dHidden: &dHidden, dTable: &grads.tokenEmbedding, dLogits: dLogits, hidden: hidden,
                            table: weights.tokenEmbedding)
        }

        let tokens = { (stack: Stack) in inputs.map { $0.tokens(stack) ?? [] } }
        if architecture == .encoderDecoder {
            let source = tokens(.encoder)
            let memory = (hidden: try stackOutput(.encoder, run), layout: BatchLayout(lengths: source.map(\.count)))
            var dMemory = Tensor(zeros: memory.hidden.shape)
            try backward(.decoder, dOut: dHidden, tokens: tokens(.decoder), layout: layout, memory: memory,
                         dMemory: &dMemory, grads: &grads, run: run)
            var none = Tensor(zeros: [0])
            try backward(.encoder, dOut: dMemory, tokens: source, layout: memory.layout, memory: nil,
                         dMemory: &none, grads: &grads, run: run)
        } else {
            var none = Tensor(zeros: [0])
            try backward(out, dOut: dHidden, tokens: tokens(out), layout: layout, memory: nil, dMemory: &none,
                         grads: &grads, run: run)
        }
        return (counted > 0 ? Float(lossSum / Double(counted)) : 0, grads, predictions)
    }

    /// What this model uses that the backward pass does not cover (the features added to run
    /// Hugging Face checkpoints forward only), in words; empty when it can train.
    public var trainingUnsupportedFeatures: [String] {
        let c = config
        var found: [String] = []
        if c.kvHeads != c.heads { found.append("\(c.kvHeads) key/value heads for \(c.heads) query heads") }
        if c.heads * c.headWidth != c.width { found.append("heads of width \(c.headWidth) (\(c.heads)·\(c.headWidth) ≠ width \(c.width))") }
        if c.gatedMLP { found.append("a gated MLP") }
        if c.activation == .silu { found.append("silu") }
        if case .rotary = c.positions { found.append("rotary positions") }
        if c.positionOffset != 0 { found.append("a position offset of \(c.positionOffset)") }
        if c.embeddingScale != 1 { found.append("an embedding scale of \(c.embeddingScale)") }
        if !c.hasHead { found.append("no head (hidden states out)") }
        let w = weights
        if w.tokenTypeEmbedding != nil { found.append("token type embeddings") }
        if w.decoderPositionEmbedding != nil { found.append("a decoder position table of its own") }
        if w.decoderEmbeddingNorm != nil { found.append("a decoder embedding norm of its own") }
        if w.headTransform != nil { found.append("a head transform") }
        if w.unembeddingBias != nil { found.append("an unembedding bias") }
        if (w.encoder?.blocks ?? []).contains(where: { $0.mlp.gate != nil }) || (w.decoder?.blocks ?? []).contains(where: { $0.mlp.gate != nil }) {
            if !c.gatedMLP { found.append("gate weights in its MLPs") }
        }
        return found
    }

    /// One label per output position, each an id or the ignore label.
    private func check(_ labels: [[Int]], logits: [Tensor], stack: Stack) throws {
        guard labels.count == logits.count else {
            throw ModelError.labels("\(labels.count) label sequences for \(logits.count) inputs")
        }
        let vocab = config.vocabularySize
        for (b, row) in labels.enumerated() {
            guard row.count == logits[b].shape[0] else {
                throw ModelError.labels("sequence \(b) has \(logits[b].shape[0]) \(stack.rawValue) positions but \(row.count) labels")
            }
            if let bad = row.first(where: { $0 != CrossEntropy.ignoreLabel && !(0..<vocab).contains($0) }) {
                throw ModelError.labels("label \(bad) is neither an id in 0...\(vocab - 1) nor \(CrossEntropy.ignoreLabel) (no loss)")
            }
        }
    }

    /// The stack's output [B·T, d] as the forward kept it: the final norm's output, or the last block's.
    private func stackOutput(_ stack: Stack, _ run: Pass) throws -> Tensor {
        if let final = run.savedFinalNorm[stack] { return final.output }
        guard let last = run.saved[stack]?.last else { throw ModelError.weights("no saved activations for the \(stack.rawValue)") }
        return last.residPost
    }

    /// A stack and its embeddings, backwards: dOut [B·T, d] is the gradient of the stack's output.
    /// A decoder of an encoder-decoder model adds its cross-attention keys' and values' gradients
    /// into dMemory [B·S, d], the gradient of the encoder's output.
    private func backward(_ stack: Stack, dOut: Tensor, tokens: [[Int]], layout: BatchLayout,
                          memory: (hidden: Tensor, layout: BatchLayout)?, dMemory: inout Tensor,
                          grads: inout ModelWeights, run: Pass) throws {
        guard let w = stack == .encoder ? weights.encoder : weights.decoder,
              var g = stack == .encoder ? grads.encoder : grads.decoder,
              let records = run.saved[stack], records.count == w.blocks.count else {
            throw ModelError.weights("no saved activations for the \(stack.rawValue)")
        }
        // Let `g` own its buffers while they are written (no copy on write), then hand them back.
        if stack == .encoder { grads.encoder = nil } else { grads.decoder = nil }
        defer { if stack == .encoder { grads.encoder = g } else { grads.decoder = g } }

        var dx = dOut
        if let norm = w.finalNorm, let saved = run.savedFinalNorm[stack], g.finalNorm != nil {
            var dIn = Tensor(zeros: dx.shape)
            norm.backward(dx: &dIn, grad: &g.finalNorm!, dy: dx, x: saved.input)   // ok: checked non-nil just above
            dx = dIn
        }
        let t = layout.padded
        var dBias: Tensor? = w.blocks.first?.selfAttention.relativeBias == nil ? nil : Tensor(zeros: [config.heads, t, t])
        for l in w.blocks.indices.reversed() {
            dx = blockBackward(dOut: dx, saved: records[l], w: w.blocks[l], grad: &g.blocks[l], layout: layout,
                               memory: memory, dMemory: &dMemory, dBias: &dBias)
        }
        if let dBias, case let .relativeBias(_, maxDistance) = config.positions, g.blocks[0].selfAttention.relativeBias != nil {
            relativePositionBiasBackward(dTable: &g.blocks[0].selfAttention.relativeBias!,   // ok: checked non-nil just above
                                         dBias: dBias, queries: 0..<t, keys: t, bidirectional: stack == .encoder,
                                         maxDistance: maxDistance)
        }

        if let norm = weights.embeddingNorm, let saved = run.savedEmbeddingNorm[stack], grads.embeddingNorm != nil {
            var dIn = Tensor(zeros: dx.shape)
            norm.backward(dx: &dIn, grad: &grads.embeddingNorm!, dy: dx, x: saved.input)   // ok: checked non-nil just above
            dx = dIn
        }
        embeddingBackward(dTokens: &grads.tokenEmbedding, dPositions: &grads.positionEmbedding, dx: dx,
                          tokens: BatchLayout.paddedIDs(tokens), layout: layout)
    }

    /// One block backwards, sub-layer by sub-layer in reverse: dOut [B·T, d] → the gradient of the
    /// block's input. Each sub-layer's input is read off the saved record: pre-norm, the norm's input;
    /// post-norm, the previous sub-layer's output (the previous norm's output).
    private func blockBackward(dOut: Tensor, saved r: SavedActivations, w: BlockWeights, grad g: inout BlockWeights,
                               layout: BatchLayout, memory: (hidden: Tensor, layout: BatchLayout)?,
                               dMemory: inout Tensor, dBias: inout Tensor?) -> Tensor {
        let placement = config.normPlacement, pre = placement == .pre
        let (heads, activation) = (config.heads, config.activation)
        let scale = config.scoreScaling == .none ? 1 : 1 / Float(config.headWidth).squareRoot()
        func normBackward(_ norm: Norm, _ grad: inout Norm, _ dy: Tensor, _ x: Tensor) -> Tensor {
            var dx = Tensor(zeros: dy.shape)
            norm.backward(dx: &dx, grad: &grad, dy: dy, x: x)
            return dx
        }

        // MLP
        let mlpInput = pre ? r.mlp.norm.output : (r.crossAttention?.norm.output ?? r.residMid)
        var d = sublayerBackward(placement, dOut: dOut,
                                 normBackward: { normBackward(w.mlpNorm, &g.mlpNorm, $0, r.mlp.norm.input) },
                                 fBackward: { dy in
            var dh = Tensor(zeros: dy.shape)
            mlpBackward(dh: &dh, grad: &g.mlp, dOut: dy, h: mlpInput, saved: r.mlp, w: w.mlp, activation: activation)
            return dh
        })

        // Cross-attention: queries from this stream, keys and values from the encoder's memory.
        if let cw = w.crossAttention, let cn = w.crossAttentionNorm, let cr = r.crossAttention, let memory,
           var cg = g.crossAttention, var cng = g.crossAttentionNorm {
            let h = pre ? cr.norm.output : r.residMid
            var noBias: Tensor? = nil
            d = sublayerBackward(placement, dOut: d, normBackward: { normBackward(cn, &cng, $0, cr.norm.input) },
                                 fBackward: { dy in
                let (dq, dk, dv) = attentionOutputBackward(grad: &cg, dBias: &noBias, dOut: dy, saved: cr, w: cw,
                                                           queries: layout, keys: memory.layout, heads: heads, scale: scale)
                var dh = Tensor(zeros: dy.shape)
                cw.query.backward(dx: &dh, grad: &cg.query, dy: dq, x: h)
                cw.key.backward(dx: &dMemory, grad: &cg.key, dy: dk, x: memory.hidden)
                cw.value.backward(dx: &dMemory, grad: &cg.value, dy: dv, x: memory.hidden)
                return dh
            })
            g.crossAttention = cg
            g.crossAttentionNorm = cng
        }

        // Self-attention: queries, keys and values all from this stream.
        let h = pre ? r.selfAttention.norm.output : r.residPre
        return sublayerBackward(placement, dOut: d,
                                normBackward: { normBackward(w.selfAttentionNorm, &g.selfAttentionNorm, $0, r.selfAttention.norm.input) },
                                fBackward: { dy in
            let (dq, dk, dv) = attentionOutputBackward(grad: &g.selfAttention, dBias: &dBias, dOut: dy, saved: r.selfAttention,
                                                       w: w.selfAttention, queries: layout, keys: layout, heads: heads, scale: scale)
            var dh = Tensor(zeros: dy.shape)
            w.selfAttention.query.backward(dx: &dh, grad: &g.selfAttention.query, dy: dq, x: h)
            w.selfAttention.key.backward(dx: &dh, grad: &g.selfAttention.key, dy: dk, x: h)
            w.selfAttention.value.backward(dx: &dh, grad: &g.selfAttention.value, dy: dv, x: h)
            return dh
        })
    }
}

/// The index of each row's largest value (the first, on a tie, as PyTorch's argmax) of [T, vocab].
func argmaxRows(_ x: Tensor) -> [Int] {
    let cols = x.shape[x.rank - 1]
    return (0..<(cols == 0 ? 0 : x.count / cols)).map { row in
        var best = 0
        for c in 1..<max(cols, 1) where x.scalars[row * cols + c] > x.scalars[row * cols + best] { best = c }
        return best
    }
}
