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
    /// The encoder's output [S, d] and the cross mask [T, S], in a decoder of an encoder-decoder model.
    let memory: Tensor?
    let crossMask: Tensor?
    let pass: Pass

    /// `norm(x)` through its hook, `{stack}.{layer}.{site}.out`.
    func normed(_ norm: Norm, _ x: Tensor, layer: Int, _ site: HookPoint.Site) throws -> Tensor {
        try pass.hook(.sublayer(stack, layer, site, .out), norm(x), rows: stack, positions)
    }

    var scale: Float {
        config.scoreScaling == .none ? 1 : 1 / Float(config.headWidth).squareRoot()
    }
}

/// One block, [T, d] → [T, d]:
///
///     pre-norm:   x = x + SelfAttn(norm(x));  x = x + CrossAttn(norm(x), memory);  x = x + MLP(norm(x))
///     post-norm:  x = norm(x + SelfAttn(x));  x = norm(x + CrossAttn(x, memory));  x = norm(x + MLP(x))
///
/// An encoder block and a decoder block are this same function; they differ in `run.selfMask`
/// (bidirectional vs causal) and in whether there is a memory to cross-attend to.
func blockForward(_ input: Tensor, _ w: BlockWeights, layer: Int, run: StackRun, cache: inout KVCache?) throws -> Tensor {
    let pass = run.pass, stack = run.stack, positions = run.positions
    let pre = run.config.normPlacement == .pre
    var x = try pass.hook(.residual(stack, layer, .residPre), input, rows: stack, positions)

    // Self-attention (keys and values from this stream, plus the cache's earlier rows).
    var h = pre ? try run.normed(w.selfAttentionNorm, x, layer: layer, .selfAttentionNorm) : x
    let q = try pass.hookHeads(.sublayer(stack, layer, .selfAttention, .q), w.selfAttention.query(h),
                               heads: run.config.heads, rows: stack, positions)
    var k = try pass.hookHeads(.sublayer(stack, layer, .selfAttention, .k), w.selfAttention.key(h),
                               heads: run.config.heads, rows: stack, positions)
    var v = try pass.hookHeads(.sublayer(stack, layer, .selfAttention, .v), w.selfAttention.value(h),
                               heads: run.config.heads, rows: stack, positions)
    if cache != nil { (k, v) = cache!.append(layer: layer, keys: k, values: v) }
    let selfSite = AttentionSite(stack: stack, layer: layer, kind: .selfAttention, queryPositions: positions,
                                 keyStream: stack, keyCount: k.shape[0])
    h = try attend(q: q, k: k, v: v, heads: run.config.heads, scale: run.scale, mask: run.selfMask,
                   bias: run.positionBias, site: selfSite, pass: pass)
    h = try pass.hook(selfSite.point(.out), w.selfAttention.output(h), rows: stack, positions)
    x = residual(x, h, norm: nil)
    if !pre { x = try run.normed(w.selfAttentionNorm, x, layer: layer, .selfAttentionNorm) }
    x = try pass.hook(.residual(stack, layer, .residMid), x, rows: stack, positions)

    // Cross-attention (queries from this stream, keys and values from the encoder's output).
    if let crossWeights = w.crossAttention, let crossNorm = w.crossAttentionNorm,
       let memory = run.memory, let crossMask = run.crossMask {
        h = pre ? try run.normed(crossNorm, x, layer: layer, .crossAttentionNorm) : x
        let q = try pass.hookHeads(.sublayer(stack, layer, .crossAttention, .q), crossWeights.query(h),
                                   heads: run.config.heads, rows: stack, positions)
        let (k, v): (Tensor, Tensor)
        if let cached = cache?.cross(layer: layer) {
            (k, v) = cached
        } else {
            let sourcePositions = 0..<memory.shape[0]
            k = try pass.hookHeads(.sublayer(stack, layer, .crossAttention, .k), crossWeights.key(memory),
                                   heads: run.config.heads, rows: .encoder, sourcePositions)
            v = try pass.hookHeads(.sublayer(stack, layer, .crossAttention, .v), crossWeights.value(memory),
                                   heads: run.config.heads, rows: .encoder, sourcePositions)
            cache?.storeCross(layer: layer, keys: k, values: v)
        }
        let crossSite = AttentionSite(stack: stack, layer: layer, kind: .crossAttention, queryPositions: positions,
                                      keyStream: .encoder, keyCount: memory.shape[0])
        h = try attend(q: q, k: k, v: v, heads: run.config.heads, scale: run.scale, mask: crossMask,
                       bias: nil, site: crossSite, pass: pass)
        h = try pass.hook(crossSite.point(.out), crossWeights.output(h), rows: stack, positions)
        x = residual(x, h, norm: nil)
        if !pre { x = try run.normed(crossNorm, x, layer: layer, .crossAttentionNorm) }
    }

    // MLP: up, activation, down.
    h = pre ? try run.normed(w.mlpNorm, x, layer: layer, .mlpNorm) : x
    var hidden = try pass.hook(.sublayer(stack, layer, .mlp, .pre), w.mlp.up(h), rows: stack, positions)   // [T, mlpWidth]
    run.config.activation.apply(&hidden)
    hidden = try pass.hook(.sublayer(stack, layer, .mlp, .post), hidden, rows: stack, positions)
    h = try pass.hook(.sublayer(stack, layer, .mlp, .out), w.mlp.down(hidden), rows: stack, positions)
    x = residual(x, h, norm: nil)
    if !pre { x = try run.normed(w.mlpNorm, x, layer: layer, .mlpNorm) }
    return try pass.hook(.residual(stack, layer, .residPost), x, rows: stack, positions)
}

/// x + h, then the norm for post-norm blocks.
@inline(__always)
func residual(_ x: Tensor, _ h: Tensor, norm: Norm?) -> Tensor {
    var sum = x
    sum.scalars.withUnsafeMutableBufferPointer { s in
        h.scalars.withUnsafeBufferPointer { hh in
            for i in 0..<s.count { s[i] += hh[i] }
        }
    }
    return norm.map { $0(sum) } ?? sum
}
