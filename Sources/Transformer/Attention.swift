import TensorCore

/// One forward pass's hooks, and what it noticed along the way.
public final class Pass {
    public let hooks: Hooks
    /// Whether to keep the activations a backward pass needs (`saved`).
    public let saving: Bool
    /// Query rows whose every key was blocked (their pattern rows are all 0).
    public internal(set) var fullyBlockedRows = 0
    /// With `saving`, each stack's activations, one record per block, from the last call that ran
    /// the stack; empty otherwise (nothing is kept, nothing is copied).
    public internal(set) var saved: [Stack: [SavedActivations]] = [:]
    /// With `saving`, each stack's final norm (pre-norm models), the unembedding's input.
    public internal(set) var savedFinalNorm: [Stack: SavedNorm] = [:]
    /// With `saving`, each stack's embedding norm (BERT), between the embeddings and the first block.
    public internal(set) var savedEmbeddingNorm: [Stack: SavedNorm] = [:]

    public init(hooks: Hooks = Hooks(), saving: Bool = false) {
        self.hooks = hooks
        self.saving = saving
    }

    /// Runs the hooks at `point` if any listen; otherwise hands `tensor` back untouched.
    func hook(_ point: HookPoint, _ tensor: Tensor, rows: Stack, _ rowPositions: Range<Int>,
              columns: Stack? = nil, _ columnPositions: Range<Int>? = nil, sequence: Int = 0) throws -> Tensor {
        guard !hooks.isEmpty, hooks.wants(point) else { return tensor }
        let context = HookContext(point: point, rows: rows, rowPositions: rowPositions,
                                  columns: columns, columnPositions: columnPositions, sequence: sequence)
        return try hooks.run(context, tensor)
    }
}

/// Where an attention call sits: its hook names and the token positions of its rows and columns.
struct AttentionSite {
    let stack: Stack
    let layer: Int
    let kind: HookPoint.Site         // .selfAttention or .crossAttention
    let sequence: Int                // which sequence of a batch
    let queryPositions: Range<Int>   // absolute positions of the real query rows
    let keyStream: Stack             // the stream the keys come from (the encoder, for cross)
    let keyCount: Int                // real keys; more rows past them are padding

    func point(_ point: HookPoint.Point) -> HookPoint { .sublayer(stack, layer, kind, point) }
}

/// Multi-head attention of queries q [Tq, H·dₕ] over keys k [Tk, H_kv·dₕ] and values v [Tk, H_kv·dₕ],
/// in the numbered passes of llm.c. Heads are read in place: head h is columns h·dₕ..<(h+1)·dₕ,
/// a strided view with the row stride of its tensor, so nothing is copied out per head. With
/// grouped-query attention (H_kv < H) query head h reads key/value head h / (H / H_kv).
///
///   1. scores[h] = scale · q_h · k_gᵀ (+ bias[h])       [H, Tq, Tk]   → hook `scores`
///   2. the mask                                        [Tq, Tk]      → hook `mask`
///   3. pattern[h] = softmax of scores[h] where allowed [H, Tq, Tk]   → hook `pattern`
///   4. z[:, h] = pattern[h] · v_g                       [Tq, H·dₕ]    → hook `z`
///
/// In a padded batch the rows past `site.queryPositions.count` and the keys past `site.keyCount`
/// are padding: the mask blocks those keys, and the hooks see only the real part.
/// Returns z and the pattern it weighed the values with (which a backward pass keeps).
func attend(q: Tensor, k: Tensor, v: Tensor, heads: Int, kvHeads: Int, scale: Float, mask: Tensor, bias: Tensor?,
            site: AttentionSite, pass: Pass) throws -> (z: Tensor, pattern: Tensor) {
    let (tq, tk, d, dkv) = (q.shape[0], k.shape[0], q.shape[1], k.shape[1])
    let dh = d / heads
    let group = heads / kvHeads   // query heads per key/value head
    let realRows = site.queryPositions.count
    /// Hooks see the sequence's real rows and keys only.
    func hooked(_ point: HookPoint.Point, _ x: Tensor, columns: Bool = true) throws -> Tensor {
        guard !pass.hooks.isEmpty, pass.hooks.wants(site.point(point)) else { return x }
        var out = x
        let part = x.cropped(rows: realRows, cols: columns ? site.keyCount : x.shape[x.rank - 1])
        out.uncrop(try pass.hook(site.point(point), part, rows: site.stack, site.queryPositions,
                                 columns: columns ? site.keyStream : nil, columns ? 0..<site.keyCount : nil,
                                 sequence: site.sequence))
        return out
    }

    // 1. scores
    var scores = bias ?? Tensor(zeros: [heads, tq, tk])
    q.scalars.withUnsafeBufferPointer { pq in
        k.scalars.withUnsafeBufferPointer { pk in
            scores.scalars.withUnsafeMutableBufferPointer { ps in
                for h in 0..<heads {
                    sgemm(m: tq, n: tk, k: dh, pq.baseAddress! + h * dh, lda: d,
                          pk.baseAddress! + (h / group) * dh, ldb: dkv, transposeB: true,
                          into: ps.baseAddress! + h * tq * tk, ldOut: tk, alpha: scale, beta: bias == nil ? 0 : 1)
                }
            }
        }
    }
    scores = try hooked(.scores, scores)

    // 2. mask
    let allowed = try hooked(.mask, mask)

    // 3. pattern (padded query rows are normalised too, but not counted as blocked)
    var pattern = scores
    pattern.scalars.withUnsafeMutableBufferPointer { pp in
        allowed.scalars.withUnsafeBufferPointer { pm in
            guard realRows < tq else {
                pass.fullyBlockedRows += maskedSoftmaxRows(pp.baseAddress!, rows: heads * tq, cols: tk,
                                                           mask: pm.baseAddress!, maskRows: tq)
                return
            }
            for h in 0..<heads {
                let head = pp.baseAddress! + h * tq * tk
                pass.fullyBlockedRows += maskedSoftmaxRows(head, rows: realRows, cols: tk, mask: pm.baseAddress!)
                maskedSoftmaxRows(head + realRows * tk, rows: tq - realRows, cols: tk, mask: pm.baseAddress! + realRows * tk)
            }
        }
    }
    pattern = try hooked(.pattern, pattern)

    // 4. weighted values, each head into its own columns of z
    var z = Tensor(zeros: [tq, d])
    pattern.scalars.withUnsafeBufferPointer { pp in
        v.scalars.withUnsafeBufferPointer { pv in
            z.scalars.withUnsafeMutableBufferPointer { pz in
                for h in 0..<heads {
                    sgemm(m: tq, n: dh, k: tk, pp.baseAddress! + h * tq * tk, lda: tk,
                          pv.baseAddress! + (h / group) * dh, ldb: dkv, into: pz.baseAddress! + h * dh, ldOut: d)
                }
            }
        }
    }
    return (try hooked(.z, z, columns: false), pattern)
}

/// Backward of `attend` for one sequence, head by head (passes 4, 3, 1 in reverse). It covers
/// what training supports: as many key/value heads as query heads, of width d / H.
///
///   4. dpattern[h] = dz_h · v_hᵀ                  dv_h += pattern[h]ᵀ · dz_h
///   3. dscores[h]  = pattern[h] ⊙ (dpattern[h] − rowsum(pattern[h] ⊙ dpattern[h]))
///      — 0 at every blocked cell, since the pattern is exactly 0 there: the mask needs no argument
///   1. dq_h += scale · dscores[h] · k_h           dk_h += scale · dscores[h]ᵀ · q_h
///
/// - Parameters:
///   - dq: [Tq, d] accumulated (+=); dk, dv: [Tk, d] accumulated. Heads are columns, row stride d.
///   - dScores: [H, Tq, Tk] overwritten with the gradient of the scores (after scale, with the
///     bias): what a position-bias table's gradient is summed from.
///   - dz: [Tq, d] the gradient of the heads' output z.
///   - q: [Tq, d], k: [Tk, d], v: [Tk, d], pattern: [H, Tq, Tk], as the forward computed them.
func attendBackward(dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>,
                    dScores: UnsafeMutablePointer<Float>, dz: UnsafePointer<Float>,
                    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, pattern: UnsafePointer<Float>,
                    queries tq: Int, keys tk: Int, width d: Int, heads: Int, scale: Float) {
    let dh = d / heads
    for h in 0..<heads {
        let ds = dScores + h * tq * tk, p = pattern + h * tq * tk
        sgemm(m: tq, n: tk, k: dh, dz + h * dh, lda: d, v + h * dh, ldb: d, transposeB: true, into: ds, ldOut: tk)
        sgemm(m: tk, n: dh, k: tq, p, lda: tk, transposeA: true, dz + h * dh, ldb: d, into: dv + h * dh, ldOut: d, beta: 1)
    }
    // In place: each cell reads its own dpattern before writing its dscore.
    maskedSoftmaxRowsBackward(dScores, dPattern: dScores, pattern: pattern, rows: heads * tq, cols: tk)
    for h in 0..<heads {
        let ds = UnsafePointer(dScores + h * tq * tk)
        sgemm(m: tq, n: dh, k: tk, ds, lda: tk, k + h * dh, ldb: d, into: dq + h * dh, ldOut: d, alpha: scale, beta: 1)
        sgemm(m: tk, n: dh, k: tq, ds, lda: tk, transposeA: true, q + h * dh, ldb: d, into: dk + h * dh, ldOut: d,
              alpha: scale, beta: 1)
    }
}

/// [T, H·dₕ] → [H, T, dₕ]: how the q, k, v hooks show a projection, one head per slice.
func splitHeads(_ x: Tensor, heads: Int) -> Tensor {
    let (t, d) = (x.shape[0], x.shape[1])
    let dh = d / heads
    var out = Tensor(zeros: [heads, t, dh])
    for h in 0..<heads {
        for i in 0..<t {
            for c in 0..<dh { out.scalars[(h * t + i) * dh + c] = x.scalars[i * d + h * dh + c] }
        }
    }
    return out
}

/// [H, T, dₕ] → [T, H·dₕ], the inverse of `splitHeads`, for a hook's replacement.
func mergeHeads(_ x: Tensor) -> Tensor {
    let (heads, t, dh) = (x.shape[0], x.shape[1], x.shape[2])
    var out = Tensor(zeros: [t, heads * dh])
    for h in 0..<heads {
        for i in 0..<t {
            for c in 0..<dh { out.scalars[i * heads * dh + h * dh + c] = x.scalars[(h * t + i) * dh + c] }
        }
    }
    return out
}
