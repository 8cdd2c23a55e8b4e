import TensorCore

/// Token ids for each stack a model has: the encoder's input (encoder-only, encoder-decoder) and
/// the decoder's input (decoder-only, and the target side of encoder-decoder).
public struct ModelInput: Sendable, Equatable {
    public var encoder: [Int]?
    public var decoder: [Int]?
    public init(encoder: [Int]? = nil, decoder: [Int]? = nil) {
        self.encoder = encoder
        self.decoder = decoder
    }
    public func tokens(_ stack: Stack) -> [Int]? { stack == .encoder ? encoder : decoder }
}

/// A transformer of one of the three architectures, built from the same blocks.
///
///     encoder-only:     logits = unembed(Encoder(embed(x)))                        bidirectional
///     decoder-only:     logits = unembed(Decoder(embed(y)))                        causal
///     encoder-decoder:  m = Encoder(embed(x));  logits = unembed(Decoder(embed(y), cross-attending to m))
public struct TransformerModel: Sendable {
    public let architecture: Architecture
    public let config: ModelConfig
    public var weights: ModelWeights
    /// Each stack's self-attention rule: bidirectional for an encoder, causal for a decoder, unless a
    /// lesson swaps it (a prefix-LM, a sliding window, or an encoder made causal to compare).
    public var selfAttentionRules: [Stack: MaskRule] = [.encoder: bidirectional(), .decoder: causal()]

    public init(architecture: Architecture, config: ModelConfig, weights: ModelWeights) throws {
        if let problem = config.problems.first { throw ModelError.config(problem) }
        self.architecture = architecture
        self.config = config
        self.weights = weights
    }

    /// A model with seeded random weights.
    public static func random(_ architecture: Architecture, _ config: ModelConfig, seed: UInt64) throws -> TransformerModel {
        if let problem = config.problems.first { throw ModelError.config(problem) }
        return try TransformerModel(architecture: architecture, config: config,
                                    weights: .random(config, architecture, seed: seed))
    }

    /// Checks the input fits the model: the right stacks, 1...maxLength tokens each, ids in range.
    public func validate(_ input: ModelInput) throws {
        for stack in Stack.allCases {
            let has = architecture.stacks.contains(stack)
            guard let tokens = input.tokens(stack) else {
                if has { throw ModelError.missingInput(stack: stack, architecture: architecture) }
                continue
            }
            guard has else { throw ModelError.unexpectedInput(stack: stack, architecture: architecture) }
            guard !tokens.isEmpty else { throw ModelError.emptyInput(stack: stack) }
            guard tokens.count <= config.maxLength else {
                throw ModelError.tooLong(stack: stack, tokens: tokens.count, maxLength: config.maxLength)
            }
            if let bad = tokens.first(where: { $0 < 0 || $0 >= config.vocabularySize }) {
                throw ModelError.idOutOfRange(id: bad, vocabularySize: config.vocabularySize)
            }
        }
    }

    /// One parallel pass over the whole input → logits [T, vocab] for every position of the last
    /// stack (every position predicts the token after it, for a decoder: teacher forcing); for a
    /// model without a head (`config.hasHead` false), the last stack's hidden states [T, width].
    public func forward(_ input: ModelInput, pass: Pass = Pass()) throws -> Tensor {
        try validate(input)
        switch architecture {
        case .encoderOnly:
            let tokens = input.encoder ?? []
            let (hidden, layout) = try encodeBatch([tokens], pass: pass)
            return try unembed(hidden, layout: layout, start: 0, pass: pass)[0]
        case .decoderOnly:
            var noCache: KVCache? = nil
            return try decode(input.decoder ?? [], memory: nil, cache: &noCache, pass: pass)
        case .encoderDecoder:
            let memory = try encode(input.encoder ?? [], pass: pass)
            var noCache: KVCache? = nil
            return try decode(input.decoder ?? [], memory: memory, cache: &noCache, pass: pass)
        }
    }

    /// The encoder stack: tokens [S] → hidden states [S, d], the "memory" a decoder cross-attends to.
    public func encode(_ tokens: [Int], pass: Pass = Pass()) throws -> Tensor {
        try encodeBatch([tokens], pass: pass).hidden
    }

    /// The decoder stack on `tokens`, which follow the `cache.length` tokens already in the cache
    /// (none without one), cross-attending to `memory`, the encoder's output, which an
    /// encoder-decoder model requires (`ModelError.missingMemory` without it).
    /// → logits [tokens.count, vocab] (hidden states [tokens.count, width] without a head). With a
    /// cache, the new keys and values are appended to it.
    public func decode(_ tokens: [Int], memory: Tensor?, cache: inout KVCache?, pass: Pass = Pass()) throws -> Tensor {
        let source = memory.map { (hidden: $0, layout: BatchLayout.single($0.shape[0])) }
        return try decodeBatch([tokens], memory: source, cache: &cache, pass: pass)[0]
    }

    /// The encoder on B sequences → the padded block [B·S, d] and its layout.
    func encodeBatch(_ sequences: [[Int]], pass: Pass) throws -> (hidden: Tensor, layout: BatchLayout) {
        guard let stack = weights.encoder else { throw ModelError.unexpectedInput(stack: .encoder, architecture: architecture) }
        let layout = BatchLayout(lengths: sequences.map(\.count))
        let hidden = try runStack(stack, .encoder, tokens: BatchLayout.paddedIDs(sequences), layout: layout, start: 0,
                                  memory: nil, cache: nil, pass: pass).hidden
        return (hidden, layout)
    }

    /// The decoder on B sequences (B = 1 with a cache) → each sequence's logits [T_b, vocab].
    func decodeBatch(_ sequences: [[Int]], memory: (hidden: Tensor, layout: BatchLayout)?, cache: inout KVCache?,
                     pass: Pass) throws -> [Tensor] {
        guard let stack = weights.decoder else { throw ModelError.unexpectedInput(stack: .decoder, architecture: architecture) }
        if architecture == .encoderDecoder && memory == nil { throw ModelError.missingMemory }
        let layout = BatchLayout(lengths: sequences.map(\.count))
        let start = cache?.length ?? 0
        guard start + layout.padded <= config.maxLength else {
            throw ModelError.tooLong(stack: .decoder, tokens: start + layout.padded, maxLength: config.maxLength)
        }
        let result = try runStack(stack, .decoder, tokens: BatchLayout.paddedIDs(sequences), layout: layout, start: start,
                                  memory: memory, cache: cache, pass: pass)
        cache = result.cache
        return try unembed(result.hidden, layout: layout, start: start, pass: pass)
    }

    /// Embeddings, every block, the final norm, on the padded block [B·T, d]. Tokens follow
    /// `start` tokens already in the cache (B = 1 then).
    private func runStack(_ w: StackWeights, _ stack: Stack, tokens: [Int], layout: BatchLayout, start: Int,
                          memory: (hidden: Tensor, layout: BatchLayout)?, cache: KVCache?,
                          pass: Pass) throws -> (hidden: Tensor, cache: KVCache?) {
        let positions = start..<(start + layout.padded)
        let keys = positions.upperBound
        let rule = selfAttentionRules[stack] ?? (stack == .encoder ? bidirectional() : causal())
        var bias: Tensor?
        if case let .relativeBias(_, maxDistance) = config.positions, let table = w.blocks.first?.selfAttention.relativeBias {
            bias = relativePositionBias(table: table, queries: positions, keys: keys,
                                        bidirectional: stack == .encoder, maxDistance: maxDistance)
        }
        // Each sequence's masks: the rule, and (in a padded batch) no key past its real length.
        let valid = { (b: Int, rule: MaskRule, lengths: [Int]) in
            layout.isPlain ? rule : rule && padding(valid: lengths[b])
        }
        let selfMasks = (0..<layout.count).map { valid($0, rule, layout.lengths).grid(queries: positions, keys: keys) }
        let crossMasks = memory.map { source in
            (0..<layout.count).map { b in
                cross(validSource: source.layout.lengths[b]).grid(queries: positions, keys: source.layout.padded)
            }
        }
        var rotary: RotaryTable?
        if case let .rotary(base, scaling) = config.positions {
            rotary = RotaryTable(positions: positions, headWidth: config.headWidth, base: base, scaling: scaling)
        }
        let run = StackRun(config: config, stack: stack, positions: positions, layout: layout,
                           keyLayout: cache == nil ? layout : .single(keys),
                           selfMasks: selfMasks, positionBias: bias, rotary: rotary,
                           memoryLayout: memory?.layout, crossMasks: crossMasks,
                           pass: pass, savers: pass.saving ? w.blocks.map { _ in LayerSaver() } : nil)
        var cache = cache
        var x = try embed(tokens, run: run)
        for (l, block) in w.blocks.enumerated() {
            switch stack {
            case .encoder: x = try encoderBlock(x, block, layer: l, run: run)
            case .decoder: x = try decoderBlock(x, block, layer: l, memory: memory?.hidden, run: run, cache: &cache)
            }
        }
        if let norm = w.finalNorm {
            let normed = try run.hook(.finalNorm(stack), norm(x))
            if pass.saving { pass.savedFinalNorm[stack] = SavedNorm(input: x, output: normed) }
            x = normed
        }
        if let savers = run.savers { pass.saved[stack] = savers.map(\.record) }
        return (x, cache)
    }

    /// Token embedding (× `embeddingScale`, + token type 0, + position embedding) → [B·T, d], hook
    /// `{stack}.embed`; then the stack's embedding norm (BERT, BART), hook `{stack}.embed_norm.out`.
    private func embed(_ tokens: [Int], run: StackRun) throws -> Tensor {
        let d = config.width
        var x = Tensor(zeros: [tokens.count, d])
        for (row, id) in tokens.enumerated() {
            x.scalars.replaceSubrange((row * d)..<((row + 1) * d), with: weights.tokenEmbedding.scalars[(id * d)..<((id + 1) * d)])
        }
        if config.embeddingScale != 1 {
            let scale = config.embeddingScale
            x.scalars.withUnsafeMutableBufferPointer { p in for i in 0..<p.count { p[i] *= scale } }
        }
        if let types = weights.tokenTypeEmbedding {
            // One segment: type 0 at every position (BERT adds it before the positions).
            guard types.rank == 2, types.shape[0] > 0, types.shape[1] == d else {
                throw ModelError.weights("embed.token_type is \(types.shape); it needs [types, \(d)]")
            }
            x = add(x, Tensor(shape: x.shape, scalars: Array(repeating: types.row(0), count: tokens.count).flatMap { $0 }))
        }
        var added: Tensor?
        switch config.positions {
        case .learned:
            let table = run.stack == .decoder ? weights.decoderPositionEmbedding ?? weights.positionEmbedding
                                              : weights.positionEmbedding
            if let table {
                let rows = (run.positions.lowerBound + config.positionOffset)..<(run.positions.upperBound + config.positionOffset)
                guard table.rank == 2, table.shape[1] == d, table.shape[0] >= rows.upperBound else {
                    throw ModelError.weights("the \(run.stack.rawValue)'s position table is \(table.shape); position \(run.positions.upperBound - 1) needs row \(rows.upperBound - 1) of width \(d)")
                }
                added = table.rows(rows)
            }
        case .sinusoidal: added = sinusoidalPositions(run.positions, width: d)
        case .relativeBias, .rotary: added = nil
        }
        if let added {
            // The same positions for every sequence of the batch.
            x = add(x, run.layout.isPlain ? added : Tensor(shape: x.shape, scalars: Array(repeating: added.scalars, count: run.layout.count).flatMap { $0 }))
        }
        x = try run.hook(.embed(run.stack), x)
        guard let norm = embeddingNorm(run.stack) else { return x }
        let normed = try run.hook(.embeddingNorm(run.stack), norm(x))
        if run.pass.saving { run.pass.savedEmbeddingNorm[run.stack] = SavedNorm(input: x, output: normed) }
        return normed
    }

    /// The norm right after a stack's embeddings, if it has one: the decoder's own (BART), else the shared one.
    func embeddingNorm(_ stack: Stack) -> Norm? {
        stack == .decoder ? weights.decoderEmbeddingNorm ?? weights.embeddingNorm : weights.embeddingNorm
    }

    /// Backward of `embed`'s lookups (after the embedding norm's backward): each real row's gradient
    /// dx [B·T, d] is added to the token row it was read from, dTokens [vocab, d], and to its
    /// position's row, dPositions [maxLength, d] (learned positions). Scatter-adds in row order, so
    /// a token used twice sums the same way every run; padded rows are skipped.
    func embeddingBackward(dTokens: inout Tensor, dPositions: inout Tensor?, dx: Tensor, tokens: [Int],
                           layout: BatchLayout) {
        let d = config.width
        dx.scalars.withUnsafeBufferPointer { g in
            dTokens.scalars.withUnsafeMutableBufferPointer { table in
                for b in 0..<layout.count {
                    for row in layout.real(b) {
                        let (from, to) = (row * d, tokens[row] * d)
                        for i in 0..<d { table[to + i] += g[from + i] }
                    }
                }
            }
            guard dPositions != nil else { return }
            dPositions!.scalars.withUnsafeMutableBufferPointer { table in   // ok: checked non-nil just above
                for b in 0..<layout.count {
                    for (p, row) in layout.real(b).enumerated() {
                        for i in 0..<d { table[p * d + i] += g[row * d + i] }
                    }
                }
            }
        }
    }

    /// Final hidden states [B·T, d] → each sequence's logits [T_b, vocab], through BERT's head
    /// transform (if any), the tied or separate unembedding (one sgemm for the whole block) and its
    /// bias (if any). A model without a head hands back each sequence's hidden states [T_b, d].
    func unembed(_ hidden: Tensor, layout: BatchLayout, start: Int, pass: Pass) throws -> [Tensor] {
        guard config.hasHead else {
            return layout.isPlain ? [hidden] : (0..<layout.count).map { hidden.rows(layout.real($0)) }
        }
        var h = weights.headTransform.map { $0(hidden) } ?? hidden
        if config.tiedEmbeddings && config.scaleTiedLogits {
            let s = 1 / Float(config.width).squareRoot()
            h.scalars = h.scalars.map { $0 * s }
        }
        var logits = matmul(h, weights.unembedding ?? weights.tokenEmbedding, transposeB: true)
        if let bias = weights.unembeddingBias {
            let vocab = logits.shape[1]
            guard bias.count == vocab else { throw ModelError.weights("unembed.bias is \(bias.shape); it needs [\(vocab)]") }
            logits.scalars.withUnsafeMutableBufferPointer { p in
                for row in 0..<(p.count / max(vocab, 1)) { for j in 0..<vocab { p[row * vocab + j] += bias.scalars[j] } }
            }
        }
        let stack: Stack = architecture == .encoderOnly ? .encoder : .decoder
        if layout.isPlain { return [try pass.hook(.logits, logits, rows: stack, start..<(start + layout.padded))] }
        return try (0..<layout.count).map { b in
            try pass.hook(.logits, logits.rows(layout.real(b)), rows: stack, start..<(start + layout.lengths[b]), sequence: b)
        }
    }

    /// Backward of `unembed` on the whole padded block: logits = s·h · tableᵀ, s = width^-½ for T5's
    /// scaled tied logits, else 1.
    ///
    ///     dHidden [B·T, d] += s · dLogits · table        dTable [vocab, d] += s · dLogitsᵀ · h
    ///
    /// dLogits [B·T, vocab] (0 on padded and ignored rows), hidden [B·T, d], table [vocab, d] the
    /// token embedding (tied; its gradient then adds to the lookup's) or the unembedding.
    func unembedBackward(dHidden: inout Tensor, dTable: inout Tensor, dLogits: Tensor, hidden: Tensor, table: Tensor) {
        let s = config.tiedEmbeddings && config.scaleTiedLogits ? 1 / Float(config.width).squareRoot() : 1
        let (rows, d, vocab) = (hidden.shape[0], hidden.shape[1], table.shape[0])
        guard rows > 0 else { return }
        dLogits.scalars.withUnsafeBufferPointer { pg in
            table.scalars.withUnsafeBufferPointer { pt in
                dHidden.scalars.withUnsafeMutableBufferPointer { pdh in
                    sgemm(m: rows, n: d, k: vocab, pg.baseAddress!, lda: vocab, pt.baseAddress!, ldb: d,
                          into: pdh.baseAddress!, ldOut: d, alpha: s, beta: 1)
                }
            }
            hidden.scalars.withUnsafeBufferPointer { ph in
                dTable.scalars.withUnsafeMutableBufferPointer { pdt in
                    sgemm(m: vocab, n: d, k: rows, pg.baseAddress!, lda: vocab, transposeA: true, ph.baseAddress!, ldb: d,
                          into: pdt.baseAddress!, ldOut: d, alpha: s, beta: 1)
                }
            }
        }
    }
}
