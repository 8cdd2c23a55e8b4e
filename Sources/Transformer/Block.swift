import TensorCore

/// What every block of one stack shares during one call.
struct StackRun {
    let config: ModelConfig
    let stack: Stack
    /// Absolute positions of the tokens in this call (0..<T, or the new tokens with a KV cache).
    let positions: Range<Int>
    /// Self-attention mask [T, keys] and, for T5-style models, the stack's position bias [H, T, keys].
    let selfMask: Tensor
    let positionBias: Tensor?
    /// The cross mask [T, S], in a decoder of an encoder-decoder model.
    let crossMask: Tensor?
    let pass: Pass
    /// One collector per block when the pass saves activations; nil otherwise.
    let savers: [LayerSaver]?

    func saver(_ layer: Int) -> LayerSaver? { savers?[layer] }

    var scale: Float {
        config.scoreScaling == .none ? 1 : 1 / Float(config.headWidth).squareRoot()
    }

    /// Runs the hooks at `point` on a [T, …] activation of this stack's tokens.
    func hook(_ point: HookPoint, _ x: Tensor) throws -> Tensor {
        try pass.hook(point, x, rows: stack, positions)
    }

    /// The norm of `site` in block `layer` as a sub-layer function: `norm(x)` through its hook
    /// `{stack}.{layer}.{site}.out`.
    func norm(_ norm: Norm, layer: Int, _ site: HookPoint.Site) -> Sublayer {
        { x in
            let y = try hook(.sublayer(stack, layer, site, .out), norm(x))
            saver(layer)?.save(.normInput(site), x)
            saver(layer)?.save(.normOutput(site), y)
            return y
        }
    }

    /// How this model wraps a sub-layer in its norm and residual connection, chosen once.
    var sublayer: SublayerWrapping {
        switch config.normPlacement {
        case .pre: return preNormSublayer
        case .post: return postNormSublayer
        }
    }
}

/// A function of the residual stream [T, d] → [T, d]: a norm, an attention or an MLP.
typealias Sublayer = (Tensor) throws -> Tensor

/// Puts a sub-layer `f` and its norm around the residual stream x (pre- or post-norm).
typealias SublayerWrapping = (_ x: Tensor, _ norm: Sublayer, _ f: Sublayer) throws -> Tensor

/// Pre-norm (GPT-2, T5): the sub-layer reads a normed copy; the residual stream is never normed.
///     x + f(norm(x))
func preNormSublayer(_ x: Tensor, _ norm: Sublayer, _ f: Sublayer) throws -> Tensor {
    add(x, try f(norm(x)))
}

/// Post-norm (the original Transformer, BERT): the sum of the stream and the sub-layer is normed.
///     norm(x + f(x))
func postNormSublayer(_ x: Tensor, _ norm: Sublayer, _ f: Sublayer) throws -> Tensor {
    try norm(add(x, f(x)))
}

/// An encoder block, [T, d] → [T, d]: bidirectional self-attention (or whatever `run.selfMask`
/// says), then the MLP, each inside its norm and residual connection.
///
///     x = sublayer(x, self_attn_norm, SelfAttn);  x = sublayer(x, mlp_norm, MLP)
func encoderBlock(_ x: Tensor, _ w: BlockWeights, layer: Int, run: StackRun) throws -> Tensor {
    var noCache: KVCache? = nil
    var x = try run.hook(.residual(run.stack, layer, .residPre), x)
    run.saver(layer)?.save(.residPre, x)
    x = try run.sublayer(x, run.norm(w.selfAttentionNorm, layer: layer, .selfAttentionNorm)) { h in
        try selfAttention(h, w.selfAttention, layer: layer, run: run, cache: &noCache)
    }
    x = try run.hook(.residual(run.stack, layer, .residMid), x)
    run.saver(layer)?.save(.residMid, x)
    x = try run.sublayer(x, run.norm(w.mlpNorm, layer: layer, .mlpNorm)) { h in try mlp(h, w.mlp, layer: layer, run: run) }
    x = try run.hook(.residual(run.stack, layer, .residPost), x)
    run.saver(layer)?.save(.residPost, x)
    return x
}

/// A decoder block, [T, d] → [T, d]: causal self-attention (reading earlier keys and values from
/// the cache), then — in an encoder-decoder model — cross-attention to the encoder's output
/// `memory` [S, d], then the MLP.
///
///     x = sublayer(x, self_attn_norm, SelfAttn);  x = sublayer(x, cross_attn_norm, CrossAttn(·, memory));
///     x = sublayer(x, mlp_norm, MLP)
///
/// A block with cross-attention weights needs a memory: without one it throws `.missingMemory`
/// rather than quietly computing a different function.
func decoderBlock(_ x: Tensor, _ w: BlockWeights, layer: Int, memory: Tensor?, run: StackRun,
                  cache: inout KVCache?) throws -> Tensor {
    var x = try run.hook(.residual(run.stack, layer, .residPre), x)
    run.saver(layer)?.save(.residPre, x)
    x = try run.sublayer(x, run.norm(w.selfAttentionNorm, layer: layer, .selfAttentionNorm)) { h in
        try selfAttention(h, w.selfAttention, layer: layer, run: run, cache: &cache)
    }
    x = try run.hook(.residual(run.stack, layer, .residMid), x)
    run.saver(layer)?.save(.residMid, x)
    if let crossWeights = w.crossAttention, let crossNorm = w.crossAttentionNorm {
        guard let memory, let crossMask = run.crossMask else { throw ModelError.missingMemory }
        x = try run.sublayer(x, run.norm(crossNorm, layer: layer, .crossAttentionNorm)) { h in
            try crossAttention(h, crossWeights, layer: layer, memory: memory, mask: crossMask, run: run, cache: &cache)
        }
    }
    x = try run.sublayer(x, run.norm(w.mlpNorm, layer: layer, .mlpNorm)) { h in try mlp(h, w.mlp, layer: layer, run: run) }
    x = try run.hook(.residual(run.stack, layer, .residPost), x)
    run.saver(layer)?.save(.residPost, x)
    return x
}

/// Self-attention sub-layer, h [T, d] → [T, d]: queries, keys and values from this stream (plus
/// the cache's earlier keys and values, whose rows the new ones are appended to).
func selfAttention(_ h: Tensor, _ w: AttentionWeights, layer: Int, run: StackRun, cache: inout KVCache?) throws -> Tensor {
    let point = { (p: HookPoint.Point) in HookPoint.sublayer(run.stack, layer, .selfAttention, p) }
    let heads = run.config.heads
    let q = try run.pass.hookHeads(point(.q), w.query(h), heads: heads, rows: run.stack, run.positions)   // [T, d]
    var k = try run.pass.hookHeads(point(.k), w.key(h), heads: heads, rows: run.stack, run.positions)     // [T, d]
    var v = try run.pass.hookHeads(point(.v), w.value(h), heads: heads, rows: run.stack, run.positions)   // [T, d]
    if let all = cache?.append(layer: layer, keys: k, values: v) { (k, v) = all }   // → [cached + T, d]
    save(q: q, k: k, v: v, .selfAttention, run.saver(layer))
    let site = AttentionSite(stack: run.stack, layer: layer, kind: .selfAttention, queryPositions: run.positions,
                             keyStream: run.stack, keyCount: k.shape[0])
    return try attentionOutput(q: q, k: k, v: v, w, site: site, mask: run.selfMask, bias: run.positionBias, run: run)
}

/// Cross-attention sub-layer, h [T, d] → [T, d]: queries from this stream, keys and values from
/// the encoder's output `memory` [S, d] — computed on the first call and then read from the cache.
func crossAttention(_ h: Tensor, _ w: AttentionWeights, layer: Int, memory: Tensor, mask: Tensor, run: StackRun,
                    cache: inout KVCache?) throws -> Tensor {
    let point = { (p: HookPoint.Point) in HookPoint.sublayer(run.stack, layer, .crossAttention, p) }
    let heads = run.config.heads
    let q = try run.pass.hookHeads(point(.q), w.query(h), heads: heads, rows: run.stack, run.positions)   // [T, d]
    let (k, v): (Tensor, Tensor)                                                                          // [S, d]
    if let cached = cache?.cross(layer: layer) {
        (k, v) = cached
    } else {
        let source = 0..<memory.shape[0]
        k = try run.pass.hookHeads(point(.k), w.key(memory), heads: heads, rows: .encoder, source)
        v = try run.pass.hookHeads(point(.v), w.value(memory), heads: heads, rows: .encoder, source)
        cache?.storeCross(layer: layer, keys: k, values: v)
    }
    save(q: q, k: k, v: v, .crossAttention, run.saver(layer))
    let site = AttentionSite(stack: run.stack, layer: layer, kind: .crossAttention, queryPositions: run.positions,
                             keyStream: .encoder, keyCount: memory.shape[0])
    return try attentionOutput(q: q, k: k, v: v, w, site: site, mask: mask, bias: nil, run: run)
}

/// The part both attentions share: attend, then the output projection, hook `out`.   → [Tq, d]
func attentionOutput(q: Tensor, k: Tensor, v: Tensor, _ w: AttentionWeights, site: AttentionSite, mask: Tensor,
                     bias: Tensor?, run: StackRun) throws -> Tensor {
    let (z, pattern) = try attend(q: q, k: k, v: v, heads: run.config.heads, scale: run.scale, mask: mask, bias: bias,
                                  site: site, pass: run.pass)
    run.saver(site.layer)?.save(.pattern(site.kind), pattern)
    run.saver(site.layer)?.save(.z(site.kind), z)
    return try run.hook(site.point(.out), w.output(z))
}

/// Keeps an attention's projections for a backward pass (when the pass saves).
private func save(q: Tensor, k: Tensor, v: Tensor, _ site: HookPoint.Site, _ saver: LayerSaver?) {
    saver?.save(.q(site), q)
    saver?.save(.k(site), k)
    saver?.save(.v(site), v)
}

/// MLP sub-layer, h [T, d] → [T, d]: up to mlpWidth, the activation, back down.
func mlp(_ h: Tensor, _ w: MLPWeights, layer: Int, run: StackRun) throws -> Tensor {
    var hidden = try run.hook(.sublayer(run.stack, layer, .mlp, .pre), w.up(h))   // [T, mlpWidth]
    run.saver(layer)?.save(.mlpPre, hidden)   // (saving shares the buffer; the activation then copies it)
    run.config.activation.apply(&hidden)
    hidden = try run.hook(.sublayer(run.stack, layer, .mlp, .post), hidden)
    run.saver(layer)?.save(.mlpPost, hidden)
    return try run.hook(.sublayer(run.stack, layer, .mlp, .out), w.down(hidden))   // [T, d]
}

/// x + h, elementwise (the residual connection).
@inline(__always)
func add(_ x: Tensor, _ h: Tensor) -> Tensor {
    var sum = x
    sum.scalars.withUnsafeMutableBufferPointer { s in
        h.scalars.withUnsafeBufferPointer { hh in
            for i in 0..<s.count { s[i] += hh[i] }
        }
    }
    return sum
}
