import TensorCore

/// What every block of one stack shares during one call.
struct StackRun {
    let config: ModelConfig
    let stack: Stack
    /// Absolute positions of each sequence's rows in this call (0..<T, or the new tokens with a KV cache).
    let positions: Range<Int>
    /// How the B sequences sit in the [B·T, d] block (B = 1 for a plain pass), and their
    /// self-attention keys (the cache's rows too).
    let layout: BatchLayout
    let keyLayout: BatchLayout
    /// Each sequence's self-attention mask [T, keys] and, for T5-style models, the stack's
    /// position bias [H, T, keys].
    let selfMasks: [Tensor]
    let positionBias: Tensor?
    /// The rotation of queries and keys at `positions`, for rotary models.
    let rotary: RotaryTable?
    /// The encoder's layout and each sequence's cross mask [T, S], in a decoder of an
    /// encoder-decoder model.
    let memoryLayout: BatchLayout?
    let crossMasks: [Tensor]?
    let pass: Pass
    /// One collector per block when the pass saves activations; nil otherwise.
    let savers: [LayerSaver]?

    func saver(_ layer: Int) -> LayerSaver? { savers?[layer] }

    var scale: Float {
        config.scoreScaling == .none ? 1 : 1 / Float(config.headWidth).squareRoot()
    }

    /// Runs the hooks at `point` on a [B·T, …] activation of this stack's tokens, sequence by sequence.
    func hook(_ point: HookPoint, _ x: Tensor) throws -> Tensor {
        try pass.hookRows(point, x, layout: layout, rows: stack, start: positions.lowerBound)
    }

    /// A projection [B·T, heads·dₕ] through its hook, shown per head (`heads`: the query heads, or
    /// the key/value heads for k and v).
    func hookHeads(_ point: HookPoint, _ x: Tensor, heads: Int, layout: BatchLayout? = nil, rows: Stack? = nil) throws -> Tensor {
        let rowStack = rows ?? stack
        return try pass.hookHeads(point, x, heads: heads, layout: layout ?? self.layout, rows: rowStack,
                                  start: rowStack == stack ? positions.lowerBound : 0)
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

/// Backward of a sub-layer in its norm and residual connection, given the gradient of its output:
/// → the gradient of its input x. `normBackward` and `fBackward` map the gradient of the norm's
/// (or f's) output to that of its input, adding their parameters' gradients on the way.
///
///     pre-norm,  out = x + f(norm(x)):   dx = dout + norm′(f′(dout))
///     post-norm, out = norm(x + f(x)):   ds = norm′(dout);  dx = ds + f′(ds)
func sublayerBackward(_ placement: NormPlacement, dOut: Tensor,
                      normBackward: (Tensor) -> Tensor, fBackward: (Tensor) -> Tensor) -> Tensor {
    switch placement {
    case .pre:
        // The residual hands dout unchanged to both x and f(norm(x)) (`addBackward`).
        var dx = dOut
        accumulate(&dx, normBackward(fBackward(dOut)))
        return dx
    case .post:
        let ds = normBackward(dOut)
        var dx = fBackward(ds)
        accumulate(&dx, ds)
        return dx
    }
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
        guard let memory, let memoryLayout = run.memoryLayout, let crossMasks = run.crossMasks else {
            throw ModelError.missingMemory
        }
        x = try run.sublayer(x, run.norm(crossNorm, layer: layer, .crossAttentionNorm)) { h in
            try crossAttention(h, crossWeights, layer: layer, memory: memory, memoryLayout: memoryLayout,
                               masks: crossMasks, run: run, cache: &cache)
        }
    }
    x = try run.sublayer(x, run.norm(w.mlpNorm, layer: layer, .mlpNorm)) { h in try mlp(h, w.mlp, layer: layer, run: run) }
    x = try run.hook(.residual(run.stack, layer, .residPost), x)
    run.saver(layer)?.save(.residPost, x)
    return x
}

/// Self-attention sub-layer, h [B·T, d] → [B·T, d]: queries, keys and values from this stream
/// (plus the cache's earlier keys and values, whose rows the new ones are appended to). A rotary
/// model rotates q and k at their absolute positions before their hooks, so the hooks and the
/// cache hold rotated vectors.
func selfAttention(_ h: Tensor, _ w: AttentionWeights, layer: Int, run: StackRun, cache: inout KVCache?) throws -> Tensor {
    let point = { (p: HookPoint.Point) in HookPoint.sublayer(run.stack, layer, .selfAttention, p) }
    let (heads, kvHeads) = (run.config.heads, run.config.kvHeads)
    var q = w.query(h)   // [B·T, H·dₕ]
    var k = w.key(h)     // [B·T, H_kv·dₕ]
    if let rotary = run.rotary {
        rotary.rotate(&q, heads: heads)
        rotary.rotate(&k, heads: kvHeads)
    }
    q = try run.hookHeads(point(.q), q, heads: heads)
    k = try run.hookHeads(point(.k), k, heads: kvHeads)
    var v = try run.hookHeads(point(.v), w.value(h), heads: kvHeads)   // [B·T, H_kv·dₕ]
    if let all = cache?.append(layer: layer, keys: k, values: v) { (k, v) = all }   // → [cached + T, H_kv·dₕ]
    save(q: q, k: k, v: v, .selfAttention, run.saver(layer))
    return try attentionOutput(q: q, k: k, v: v, w, layer: layer, .selfAttention, keys: run.keyLayout, keyStream: run.stack,
                               masks: run.selfMasks, bias: run.positionBias, run: run)
}

/// Cross-attention sub-layer, h [B·T, d] → [B·T, d]: queries from this stream, keys and values
/// from the encoder's output `memory` [B·S, d] — computed on the first call, then read from the cache.
/// (No rotation here: the rotary models attnlab reads have no cross-attention.)
func crossAttention(_ h: Tensor, _ w: AttentionWeights, layer: Int, memory: Tensor, memoryLayout: BatchLayout,
                    masks: [Tensor], run: StackRun, cache: inout KVCache?) throws -> Tensor {
    let point = { (p: HookPoint.Point) in HookPoint.sublayer(run.stack, layer, .crossAttention, p) }
    let kvHeads = run.config.kvHeads
    let q = try run.hookHeads(point(.q), w.query(h), heads: run.config.heads)   // [B·T, H·dₕ]
    let (k, v): (Tensor, Tensor)                                                 // [B·S, H_kv·dₕ]
    if let cached = cache?.cross(layer: layer) {
        (k, v) = cached
    } else {
        k = try run.hookHeads(point(.k), w.key(memory), heads: kvHeads, layout: memoryLayout, rows: .encoder)
        v = try run.hookHeads(point(.v), w.value(memory), heads: kvHeads, layout: memoryLayout, rows: .encoder)
        cache?.storeCross(layer: layer, keys: k, values: v)
    }
    save(q: q, k: k, v: v, .crossAttention, run.saver(layer))
    return try attentionOutput(q: q, k: k, v: v, w, layer: layer, .crossAttention, keys: memoryLayout, keyStream: .encoder,
                               masks: masks, bias: nil, run: run)
}

/// The part both attentions share: attend sequence by sequence (each over its own padded keys),
/// then the output projection [H·dₕ → d] on the whole block, hook `out`.   → [B·T, d]
func attentionOutput(q: Tensor, k: Tensor, v: Tensor, _ w: AttentionWeights, layer: Int, _ kind: HookPoint.Site,
                     keys: BatchLayout, keyStream: Stack, masks: [Tensor], bias: Tensor?, run: StackRun) throws -> Tensor {
    let queries = run.layout
    var z = queries.isPlain ? Tensor(zeros: [0]) : Tensor(zeros: q.shape)
    var patterns: [Tensor] = []
    for b in 0..<queries.count {
        let site = AttentionSite(stack: run.stack, layer: layer, kind: kind, sequence: b,
                                 queryPositions: run.positions.lowerBound..<(run.positions.lowerBound + queries.lengths[b]),
                                 keyStream: keyStream, keyCount: keys.lengths[b])
        let (zb, pattern) = try attend(q: queries.sequence(b, of: q), k: keys.sequence(b, of: k), v: keys.sequence(b, of: v),
                                       heads: run.config.heads, kvHeads: run.config.kvHeads, scale: run.scale,
                                       mask: masks[b], bias: bias,
                                       site: site, pass: run.pass)
        if queries.isPlain { z = zb } else { z.replaceRows(queries.block(b), with: zb) }
        if run.saver(layer) != nil { patterns.append(pattern) }
    }
    if let saver = run.saver(layer) {
        saver.save(.pattern(kind), patterns.count == 1 ? patterns[0] : concatenatingRows(patterns))
        saver.save(.z(kind), z)
    }
    return try run.hook(.sublayer(run.stack, layer, kind, .out), w.output(z))
}

/// Backward of `attentionOutput` on a whole padded block: the output projection (its gradient into
/// `grad.output`), then `attendBackward` sequence by sequence over each one's own rows and keys.
///
/// - Parameters:
///   - dBias: when given, [H, T, Tk] += each sequence's gradient of the scores (a T5 bias is
///     shared by every sequence and layer of a stack, so its gradient is their sum).
///   - dOut: [B·T, d] the gradient of the sub-layer's output.
///   - saved: q [B·T, d], k and v [B·Tk, d], pattern [B·H, T, Tk], z [B·T, d].
/// - Returns: the gradients of q [B·T, d], k and v [B·Tk, d]; padded rows stay exactly 0.
func attentionOutputBackward(grad: inout AttentionWeights, dBias: inout Tensor?, dOut: Tensor, saved: SavedAttention,
                             w: AttentionWeights, queries: BatchLayout, keys: BatchLayout, heads: Int,
                             scale: Float) -> (dq: Tensor, dk: Tensor, dv: Tensor) {
    let d = dOut.shape[1]
    let (t, tk) = (queries.padded, keys.padded)
    var dz = Tensor(zeros: dOut.shape)
    w.output.backward(dx: &dz, grad: &grad.output, dy: dOut, x: saved.z)
    var dq = Tensor(zeros: saved.q.shape), dk = Tensor(zeros: saved.k.shape), dv = Tensor(zeros: saved.v.shape)
    var dScores = [Float](repeating: 0, count: heads * t * tk)
    for b in 0..<queries.count {
        let (rows, keyRows, cells) = (b * t * d, b * tk * d, b * heads * t * tk)
        dz.scalars.withUnsafeBufferPointer { pdz in
            saved.q.scalars.withUnsafeBufferPointer { pq in
                saved.k.scalars.withUnsafeBufferPointer { pk in
                    saved.v.scalars.withUnsafeBufferPointer { pv in
                        saved.pattern.scalars.withUnsafeBufferPointer { pp in
                            dq.scalars.withUnsafeMutableBufferPointer { pdq in
                                dk.scalars.withUnsafeMutableBufferPointer { pdk in
                                    dv.scalars.withUnsafeMutableBufferPointer { pdv in
                                        dScores.withUnsafeMutableBufferPointer { pds in
                                            attendBackward(dq: pdq.baseAddress! + rows, dk: pdk.baseAddress! + keyRows,
                                                           dv: pdv.baseAddress! + keyRows, dScores: pds.baseAddress!,
                                                           dz: pdz.baseAddress! + rows, q: pq.baseAddress! + rows,
                                                           k: pk.baseAddress! + keyRows, v: pv.baseAddress! + keyRows,
                                                           pattern: pp.baseAddress! + cells,
                                                           queries: t, keys: tk, width: d, heads: heads, scale: scale)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if dBias != nil {
            // Sequence order, one thread: the same bits every run.
            dBias!.scalars.withUnsafeMutableBufferPointer { pb in   // ok: checked non-nil just above
                for i in 0..<pb.count { pb[i] += dScores[i] }
            }
        }
    }
    return (dq, dk, dv)
}

/// Tensors of equal trailing shape, one after another along the first axis.
func concatenatingRows(_ parts: [Tensor]) -> Tensor {
    guard let first = parts.first else { return Tensor(zeros: [0]) }
    var shape = first.shape
    shape[0] = parts.reduce(0) { $0 + $1.shape[0] }
    return Tensor(shape: shape, scalars: parts.flatMap(\.scalars))
}

/// Keeps an attention's projections for a backward pass (when the pass saves).
private func save(q: Tensor, k: Tensor, v: Tensor, _ site: HookPoint.Site, _ saver: LayerSaver?) {
    saver?.save(.q(site), q)
    saver?.save(.k(site), k)
    saver?.save(.v(site), v)
}

/// MLP sub-layer, h [T, d] → [T, d]: up to mlpWidth, the activation, back down. A gated MLP
/// activates gate·h instead and multiplies it by up·h, element by element:
///
///     plain:  down(act(up·h))          gated:  down(act(gate·h) ⊙ (up·h))
///
/// Hook `mlp.pre` is the activation's input (up·h, or gate·h), `mlp.post` the down projection's input.
func mlp(_ h: Tensor, _ w: MLPWeights, layer: Int, run: StackRun) throws -> Tensor {
    var hidden = try run.hook(.sublayer(run.stack, layer, .mlp, .pre), (w.gate ?? w.up)(h))   // [T, mlpWidth]
    run.saver(layer)?.save(.mlpPre, hidden)   // (saving shares the buffer; the activation then copies it)
    run.config.activation.apply(&hidden)
    if w.gate != nil { hidden = multiply(hidden, w.up(h)) }
    hidden = try run.hook(.sublayer(run.stack, layer, .mlp, .post), hidden)
    run.saver(layer)?.save(.mlpPost, hidden)
    return try run.hook(.sublayer(run.stack, layer, .mlp, .out), w.down(hidden))   // [T, d]
}

/// Backward of `mlp`: dh [T, d] += the gradient of its input h [T, d], given dOut [T, d]; the two
/// layers' gradients into `grad`. `saved.pre`/`saved.post` [T, mlpWidth] are the hidden layer
/// before and after the activation.
func mlpBackward(dh: inout Tensor, grad: inout MLPWeights, dOut: Tensor, h: Tensor, saved: SavedMLP, w: MLPWeights,
                 activation: Activation) {
    var dPost = Tensor(zeros: saved.post.shape)
    w.down.backward(dx: &dPost, grad: &grad.down, dy: dOut, x: saved.post)
    var dPre = Tensor(zeros: saved.pre.shape)
    activation.backward(dx: &dPre, dy: dPost, x: saved.pre)
    w.up.backward(dx: &dh, grad: &grad.up, dy: dPre, x: h)
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

/// x ⊙ y, elementwise (a gated MLP's gate times its up projection).
func multiply(_ x: Tensor, _ y: Tensor) -> Tensor {
    precondition(x.shape == y.shape, "multiply: \(x.shape) ⊙ \(y.shape)")
    var product = x
    product.scalars.withUnsafeMutableBufferPointer { p in
        y.scalars.withUnsafeBufferPointer { py in
            for i in 0..<p.count { p[i] *= py[i] }
        }
    }
    return product
}

/// Backward of `add`: a sum hands its gradient unchanged to both terms. dx, dh [T, d] += dy [T, d].
func addBackward(dx: inout Tensor, dh: inout Tensor, dy: Tensor) {
    accumulate(&dx, dy)
    accumulate(&dh, dy)
}

/// x += y, elementwise (gradients meeting where a tensor was used twice).
func accumulate(_ x: inout Tensor, _ y: Tensor) {
    precondition(x.shape == y.shape, "accumulate: \(x.shape) += \(y.shape)")
    x.scalars.withUnsafeMutableBufferPointer { px in
        y.scalars.withUnsafeBufferPointer { py in
            for i in 0..<px.count { px[i] += py[i] }
        }
    }
}
