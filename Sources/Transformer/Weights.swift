import TensorCore

/// The learned parameters of one attention sub-layer. Projections are [out, in] like PyTorch's:
/// query [H·dₕ, d], key and value [H_kv·dₕ, d], output [d, H·dₕ] (each [d, d] in the common case).
public struct AttentionWeights: Sendable {
    public var query, key, value, output: Linear
    /// T5's relative position bias, [buckets, heads]; only the first block of a stack has one and
    /// every block of the stack reuses it.
    public var relativeBias: Tensor?
}

/// Two linear layers around the activation: d → mlpWidth → d; a gated MLP has a third, `gate`,
/// whose activated output multiplies up's: down(act(gate·x) ⊙ (up·x)).
public struct MLPWeights: Sendable {
    public var up: Linear      // [mlpWidth, d]
    public var down: Linear    // [d, mlpWidth]
    public var gate: Linear?   // [mlpWidth, d], gated MLPs only

    public init(up: Linear, down: Linear, gate: Linear? = nil) {
        self.up = up; self.down = down; self.gate = gate
    }
}

/// BERT's masked-LM head transform, applied to the final hidden states before the unembedding:
/// norm(act(dense · h)).
public struct HeadTransform: Sendable {
    public var dense: Linear          // [d, d]
    public var activation: Activation
    public var norm: Norm

    public init(dense: Linear, activation: Activation, norm: Norm) {
        self.dense = dense; self.activation = activation; self.norm = norm
    }

    /// [T, d] → [T, d]
    public func callAsFunction(_ h: Tensor) -> Tensor {
        var x = dense(h)
        activation.apply(&x)
        return norm(x)
    }
}

/// One block: self-attention, (decoder of an encoder-decoder model) cross-attention, MLP, and the
/// norm that goes with each.
public struct BlockWeights: Sendable {
    public var selfAttentionNorm: Norm
    public var selfAttention: AttentionWeights
    public var crossAttentionNorm: Norm?
    public var crossAttention: AttentionWeights?
    public var mlpNorm: Norm
    public var mlp: MLPWeights
}

/// A stack of blocks and the norm after the last one (pre-norm models need it; post-norm ones
/// already end normalised).
public struct StackWeights: Sendable {
    public var blocks: [BlockWeights]
    public var finalNorm: Norm?
}

/// All of a model's parameters.
public struct ModelWeights: Sendable {
    public var tokenEmbedding: Tensor           // [vocab, d], shared by both stacks
    public var positionEmbedding: Tensor?       // [maxLength, d], learned positions only
    public var embeddingNorm: Norm?
    public var encoder: StackWeights?
    public var decoder: StackWeights?
    public var unembedding: Tensor?             // [vocab, d]; nil when tied to the token embedding

    // Extras a checkpoint sets; `zeros` and `random` leave them nil, and training refuses them.
    /// [types, d], `embed.token_type`: row 0 is added at every position (BERT, one segment).
    public var tokenTypeEmbedding: Tensor? = nil
    /// `decoder.embed.position`: the decoder's own learned position table (BART); nil → the
    /// decoder shares `positionEmbedding`.
    public var decoderPositionEmbedding: Tensor? = nil
    /// `decoder.embed_norm`: the decoder's own embedding norm (BART); nil → it shares `embeddingNorm`.
    public var decoderEmbeddingNorm: Norm? = nil
    /// `unembed.transform.dense.*`, `unembed.transform.norm.*`: BERT's MLM head transform.
    public var headTransform: HeadTransform? = nil
    /// [vocab], `unembed.bias`: added to the logits (BERT's cls.predictions.bias, BART's final_logits_bias).
    public var unembeddingBias: Tensor? = nil

    /// Whether any of the checkpoint-only extras above is set.
    public var hasExtras: Bool {
        tokenTypeEmbedding != nil || decoderPositionEmbedding != nil || decoderEmbeddingNorm != nil
            || headTransform != nil || unembeddingBias != nil
    }

    /// Weights of the right shapes: norms at γ = 1, β = 0, biases 0, every matrix drawn from the
    /// seeded generator, in the order of `visit`, so one seed gives one model everywhere.
    public static func random(_ config: ModelConfig, _ architecture: Architecture, seed: UInt64) -> ModelWeights {
        var weights = zeros(config, architecture)
        var rng = SeededGenerator(seed: seed)
        weights.visit { name, tensor in
            if tensor.rank == 2 {
                tensor = rng.uniformTensor(shape: tensor.shape, std: config.initStd)
            } else if name.hasSuffix(".weight") {
                tensor = Tensor(repeating: 1, shape: tensor.shape)   // a norm's γ
            }
        }
        return weights
    }

    /// Every parameter, by name, in a fixed order. Names follow the hook names where they can:
    /// `encoder.0.self_attn.q.weight`, `decoder.1.cross_attn_norm.bias`, `embed.token`.
    public mutating func visit(_ body: (String, inout Tensor) -> Void) {
        body("embed.token", &tokenEmbedding)
        if positionEmbedding != nil { body("embed.position", &positionEmbedding!) }
        if tokenTypeEmbedding != nil { body("embed.token_type", &tokenTypeEmbedding!) }
        if embeddingNorm != nil { embeddingNorm!.visit("embed.norm", body) }
        if decoderPositionEmbedding != nil { body("decoder.embed.position", &decoderPositionEmbedding!) }
        if decoderEmbeddingNorm != nil { decoderEmbeddingNorm!.visit("decoder.embed_norm", body) }
        for stack in Stack.allCases {
            let path = stack.rawValue
            guard var weights = stack == .encoder ? encoder : decoder else { continue }
            for l in weights.blocks.indices {
                let prefix = "\(path).\(l)."
                weights.blocks[l].selfAttentionNorm.visit(prefix + "self_attn_norm", body)
                weights.blocks[l].selfAttention.visit(prefix + "self_attn", body)
                if weights.blocks[l].crossAttention != nil {
                    weights.blocks[l].crossAttentionNorm!.visit(prefix + "cross_attn_norm", body)
                    weights.blocks[l].crossAttention!.visit(prefix + "cross_attn", body)
                }
                weights.blocks[l].mlpNorm.visit(prefix + "mlp_norm", body)
                if weights.blocks[l].mlp.gate != nil { weights.blocks[l].mlp.gate!.visit(prefix + "mlp.gate", body) }
                weights.blocks[l].mlp.up.visit(prefix + "mlp.up", body)
                weights.blocks[l].mlp.down.visit(prefix + "mlp.down", body)
            }
            if weights.finalNorm != nil { weights.finalNorm!.visit(path + ".final_norm", body) }
            if stack == .encoder { encoder = weights } else { decoder = weights }
        }
        if headTransform != nil {
            headTransform!.dense.visit("unembed.transform.dense", body)
            headTransform!.norm.visit("unembed.transform.norm", body)
        }
        if unembedding != nil { body("unembed.weight", &unembedding!) }
        if unembeddingBias != nil { body("unembed.bias", &unembeddingBias!) }
    }

    /// Names and shapes of every parameter.
    public var parameterShapes: [(name: String, shape: [Int])] {
        var copy = self
        var shapes: [(String, [Int])] = []
        copy.visit { name, tensor in shapes.append((name, tensor.shape)) }
        return shapes
    }

    public var parameterCount: Int { parameterShapes.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    /// Replaces every parameter with the tensor of the same name; each must be present with the
    /// same shape, and nothing may be left over.
    public mutating func load(_ tensors: [String: Tensor]) throws {
        var missing: [String] = [], wrong: [String] = []
        var used = Set<String>()
        visit { name, tensor in
            guard let given = tensors[name] else { missing.append(name); return }
            guard given.shape == tensor.shape else {
                wrong.append("\(name) is \(given.shape), expected \(tensor.shape)"); return
            }
            tensor = given
            used.insert(name)
        }
        let extra = Set(tensors.keys).subtracting(used).sorted()
        if let first = wrong.first { throw ModelError.weights("\(first)") }
        if !missing.isEmpty { throw ModelError.weights("missing \(missing.count) tensors, first \(missing[0])") }
        if !extra.isEmpty { throw ModelError.weights("\(extra.count) unexpected tensors, first \(extra[0])") }
    }

    /// Weights of the right shapes, all zero but norm scales.
    public static func zeros(_ c: ModelConfig, _ architecture: Architecture) -> ModelWeights {
        shaped(c, architecture, zero: { Tensor(zeros: $0) }, one: { Tensor(repeating: 1, shape: $0) })
    }

    /// The names and shapes of `zeros` with no scalars in them (`Tensor(unfilledShape:)`): what a
    /// checkpoint loader fills with `load(_:)`, which replaces every tensor or throws. Loading into
    /// a template instead of into zeros keeps loading at one Float32 copy of the weights.
    public static func template(_ c: ModelConfig, _ architecture: Architecture) -> ModelWeights {
        shaped(c, architecture, zero: { Tensor(unfilledShape: $0) }, one: { Tensor(unfilledShape: $0) })
    }

    private static func shaped(_ c: ModelConfig, _ architecture: Architecture,
                               zero: ([Int]) -> Tensor, one: ([Int]) -> Tensor) -> ModelWeights {
        let d = c.width, (dq, dkv) = (c.attentionWidth, c.keyValueWidth)
        func linear(_ out: Int, _ inn: Int) -> Linear {
            Linear(weight: zero([out, inn]), bias: c.biases ? zero([out]) : nil)
        }
        func norm() -> Norm {
            Norm(kind: c.normKind, gamma: one([d]),
                 beta: c.normKind == .layerNorm && c.biases ? zero([d]) : nil, epsilon: c.normEpsilon)
        }
        func attention(firstOfStack: Bool, isCross: Bool) -> AttentionWeights {
            var bias: Tensor?
            if case let .relativeBias(buckets, _) = c.positions, firstOfStack, !isCross {
                bias = zero([buckets, c.heads])
            }
            return AttentionWeights(query: linear(dq, d), key: linear(dkv, d), value: linear(dkv, d), output: linear(d, dq),
                                    relativeBias: bias)
        }
        func stack(withCross: Bool) -> StackWeights {
            let blocks = (0..<c.layers).map { l in
                BlockWeights(selfAttentionNorm: norm(), selfAttention: attention(firstOfStack: l == 0, isCross: false),
                             crossAttentionNorm: withCross ? norm() : nil,
                             crossAttention: withCross ? attention(firstOfStack: l == 0, isCross: true) : nil,
                             mlpNorm: norm(), mlp: MLPWeights(up: linear(c.mlpWidth, d), down: linear(d, c.mlpWidth),
                                                              gate: c.gatedMLP ? linear(c.mlpWidth, d) : nil))
            }
            return StackWeights(blocks: blocks, finalNorm: c.normPlacement == .pre ? norm() : nil)
        }
        return ModelWeights(
            tokenEmbedding: zero([c.vocabularySize, d]),
            positionEmbedding: c.positions == .learned ? zero([c.maxLength + c.positionOffset, d]) : nil,
            embeddingNorm: c.embeddingNorm ? norm() : nil,
            encoder: architecture.stacks.contains(.encoder) ? stack(withCross: false) : nil,
            decoder: architecture.stacks.contains(.decoder) ? stack(withCross: architecture == .encoderDecoder) : nil,
            unembedding: c.tiedEmbeddings ? nil : zero([c.vocabularySize, d]))
    }
}

extension ModelWeights {
    /// The same names and shapes as `other` with every scalar 0 (norm scales too): where gradients
    /// are summed.
    public static func zeros(like other: ModelWeights) -> ModelWeights {
        var copy = other
        copy.visit { _, tensor in tensor = Tensor(zeros: tensor.shape) }
        return copy
    }

    /// Calls `body` with each parameter of `self` (to change) beside the parameter of `other` of the
    /// same name, in `visit` order. The two must have the same names and shapes (a model's weights and
    /// their gradients, or two gradients).
    public mutating func update(with other: ModelWeights, _ body: (String, inout Tensor, Tensor) -> Void) {
        var others: [(name: String, tensor: Tensor)] = []
        var copy = other
        copy.visit { name, tensor in others.append((name, tensor)) }
        var i = 0
        visit { name, tensor in
            precondition(i < others.count && others[i].name == name && others[i].tensor.shape == tensor.shape,
                         "update(with:): \(name) has no partner of the same shape")
            body(name, &tensor, others[i].tensor)
            i += 1
        }
        precondition(i == others.count, "update(with:): the other weights have \(others.count - i) more tensors")
    }

    /// self += scale · other, parameter by parameter (a gradient step is `add(gradients, scaled: -lr)`).
    public mutating func add(_ other: ModelWeights, scaled scale: Float = 1) {
        update(with: other) { _, tensor, delta in
            tensor.scalars.withUnsafeMutableBufferPointer { t in
                delta.scalars.withUnsafeBufferPointer { g in
                    for i in 0..<t.count { t[i] += scale * g[i] }
                }
            }
        }
    }

    /// Every parameter by name (e.g. to write to safetensors or compare with a reference).
    public var named: [String: Tensor] {
        var copy = self
        var out: [String: Tensor] = [:]
        copy.visit { name, tensor in out[name] = tensor }
        return out
    }
}

extension Norm {
    fileprivate mutating func visit(_ prefix: String, _ body: (String, inout Tensor) -> Void) {
        body(prefix + ".weight", &gamma)
        if beta != nil { body(prefix + ".bias", &beta!) }
    }
}

extension Linear {
    fileprivate mutating func visit(_ prefix: String, _ body: (String, inout Tensor) -> Void) {
        body(prefix + ".weight", &weight)
        if bias != nil { body(prefix + ".bias", &bias!) }
    }
}

extension AttentionWeights {
    fileprivate mutating func visit(_ prefix: String, _ body: (String, inout Tensor) -> Void) {
        query.visit(prefix + ".q", body)
        key.visit(prefix + ".k", body)
        value.visit(prefix + ".v", body)
        output.visit(prefix + ".o", body)
        if relativeBias != nil { body(prefix + ".relative_bias", &relativeBias!) }
    }
}
