import TensorCore

/// How B sequences of one stack sit in a padded block [B·T, …]: sequence b owns rows
/// b·T..<(b+1)·T, of which the first `lengths[b]` are real tokens and the rest padding.
///
/// Linear layers, norms and the MLP run on the whole block at once (one sgemm each: what training
/// needs); attention runs per sequence, with keys past a sequence's real length blocked. A plain
/// forward pass is a batch of one without padding, and costs nothing extra.
struct BatchLayout: Equatable {
    let lengths: [Int]
    /// T, the rows every sequence occupies.
    let padded: Int

    init(lengths: [Int]) {
        self.lengths = lengths
        padded = lengths.max() ?? 0
    }

    /// One sequence of `length` rows.
    static func single(_ length: Int) -> BatchLayout { BatchLayout(lengths: [length]) }

    var count: Int { lengths.count }
    /// One unpadded sequence: every tensor is already that sequence's own.
    var isPlain: Bool { lengths.count == 1 }
    var totalRows: Int { count * padded }

    /// Sequence b's rows in the block, padding included.
    func block(_ b: Int) -> Range<Int> { (b * padded)..<((b + 1) * padded) }
    /// Sequence b's real rows in the block.
    func real(_ b: Int) -> Range<Int> { (b * padded)..<(b * padded + lengths[b]) }

    /// Sequence b's padded rows of a [B·T, …] block (the block itself for a batch of one).
    func sequence(_ b: Int, of x: Tensor) -> Tensor { isPlain ? x : x.rows(block(b)) }

    /// The token ids, each sequence padded with `pad` to T.   → [B·T]
    static func paddedIDs(_ sequences: [[Int]], pad: Int = 0) -> [Int] {
        let t = sequences.map(\.count).max() ?? 0
        return sequences.flatMap { $0 + Array(repeating: pad, count: t - $0.count) }
    }
}

extension Tensor {
    /// Overwrites rows `range` (along the first axis) with `part`'s rows.
    mutating func replaceRows(_ range: Range<Int>, with part: Tensor) {
        let stride = shape.dropFirst().reduce(1, *)
        scalars.replaceSubrange((range.lowerBound * stride)..<(range.upperBound * stride), with: part.scalars)
    }

    /// The top-left [rows, cols] of each [R, C] matrix of a [.., R, C] tensor (rank 2 or 3):
    /// a sequence's own part of a padded pattern, scores or mask.
    func cropped(rows: Int, cols: Int) -> Tensor {
        let (r, c) = (shape[rank - 2], shape[rank - 1])
        if rows == r && cols == c { return self }
        let matrices = rank == 3 ? shape[0] : 1
        var out: [Float] = []
        out.reserveCapacity(matrices * rows * cols)
        for m in 0..<matrices {
            for i in 0..<rows { out += scalars[((m * r + i) * c)..<((m * r + i) * c + cols)] }
        }
        return Tensor(shape: rank == 3 ? [matrices, rows, cols] : [rows, cols], scalars: out)
    }

    /// Writes `part` (from `cropped`) back into the top-left of each matrix.
    mutating func uncrop(_ part: Tensor) {
        let (r, c) = (shape[rank - 2], shape[rank - 1])
        let (rows, cols) = (part.shape[part.rank - 2], part.shape[part.rank - 1])
        if rows == r && cols == c { self = part; return }
        let matrices = rank == 3 ? shape[0] : 1
        for m in 0..<matrices {
            for i in 0..<rows {
                scalars.replaceSubrange(((m * r + i) * c)..<((m * r + i) * c + cols),
                                        with: part.scalars[((m * rows + i) * cols)..<((m * rows + i + 1) * cols)])
            }
        }
    }
}

extension Pass {
    /// Runs the hooks at `point` on a [B·T, w] block, one sequence at a time with its own real rows
    /// (`context.sequence` = b, positions from `start`), writing replacements back into the block.
    func hookRows(_ point: HookPoint, _ x: Tensor, layout: BatchLayout, rows: Stack, start: Int) throws -> Tensor {
        guard !hooks.isEmpty, hooks.wants(point) else { return x }
        if layout.isPlain { return try hook(point, x, rows: rows, start..<(start + x.shape[0])) }
        var out = x
        for b in 0..<layout.count {
            let part = try hook(point, x.rows(layout.real(b)), rows: rows, start..<(start + layout.lengths[b]), sequence: b)
            out.replaceRows(layout.real(b), with: part)
        }
        return out
    }

    /// A projection [B·T, H·dₕ] through its hook, shown per sequence and per head ([H, T_b, dₕ])
    /// only when a hook listens.
    func hookHeads(_ point: HookPoint, _ x: Tensor, heads: Int, layout: BatchLayout, rows: Stack, start: Int) throws -> Tensor {
        guard !hooks.isEmpty, hooks.wants(point) else { return x }
        var out = x
        for b in 0..<layout.count {
            let range = layout.isPlain ? 0..<x.shape[0] : layout.real(b)
            let shown = splitHeads(x.rows(range), heads: heads)
            let part = try hook(point, shown, rows: rows, start..<(start + range.count), sequence: b)
            out.replaceRows(range, with: mergeHeads(part))
        }
        return out
    }
}

extension TransformerModel {
    /// The B inputs padded to one length per stack and run together → each sequence's logits,
    /// unpadded: [T_b, vocab] for sequence b (its encoder tokens for an encoder-only model, its
    /// decoder tokens otherwise).
    ///
    /// Linear layers run on the whole [B·T, d] block in one sgemm each; attention runs per
    /// sequence and head over the padded length, with a padding mask ANDed with each stack's
    /// self-attention rule and with the cross mask, so padded keys get exactly 0 weight. Hooks see
    /// each sequence on its own (`context.sequence` = b) with its own unpadded shapes, exactly as a
    /// plain forward pass would show it; saved activations keep the padded block.
    public func forward(batch inputs: [ModelInput], pass: Pass = Pass()) throws -> [Tensor] {
        guard !inputs.isEmpty else { throw ModelError.emptyBatch }
        for input in inputs { try validate(input) }
        let sequences = { (stack: Stack) in inputs.map { $0.tokens(stack) ?? [] } }
        switch architecture {
        case .encoderOnly:
            let (hidden, layout) = try encodeBatch(sequences(.encoder), pass: pass)
            return try unembed(hidden, layout: layout, start: 0, pass: pass)
        case .decoderOnly:
            var noCache: KVCache? = nil
            return try decodeBatch(sequences(.decoder), memory: nil, cache: &noCache, pass: pass)
        case .encoderDecoder:
            let memory = try encodeBatch(sequences(.encoder), pass: pass)
            var noCache: KVCache? = nil
            return try decodeBatch(sequences(.decoder), memory: memory, cache: &noCache, pass: pass)
        }
    }
}
