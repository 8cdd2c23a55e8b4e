import Foundation
import TensorCore
import Transformer

/// Hugging Face's GPT-2 layout (`GPT2LMHeadModel`, transformers' modeling_gpt2.py), so a
/// checkpoint attnlab writes loads with `GPT2LMHeadModel.from_pretrained(folder)` and the other
/// way round. GPT-2's linear layers are `Conv1D`s that keep their weight as [in, out], the
/// transpose of attnlab's [out, in], and one `c_attn` computes q, k and v together: its output
/// is q | k | v, each d wide, heads side by side within each.
enum GPT2Layout {
    /// Whether a model is GPT-2's flavour, which only this layout can describe: decoder-only,
    /// pre-norm layer norm with biases, learned positions, tanh-GELU, scores scaled by 1/√d_head,
    /// the unembedding tied to the token embedding. The toy presets' decoder-only models are.
    static func fits(_ architecture: Architecture, _ c: ModelConfig) -> Bool {
        architecture == .decoderOnly && c.normPlacement == .pre && c.normKind == .layerNorm && c.positions == .learned
            && c.scoreScaling == .inverseSqrtHeadDim && c.activation == .geluTanh && c.biases && !c.embeddingNorm
            && c.tiedEmbeddings && !c.scaleTiedLogits
    }

    // MARK: config.json

    /// GPT-2's config.json. `bos_token_id` and `eos_token_id` come from the tokenizer when it has
    /// `<bos>` and `<eos>` (transformers would otherwise assume GPT-2's 50256).
    static func configObject(_ c: ModelConfig, bos: Int?, eos: Int?) -> [String: Any] {
        [
            "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"],
            "n_embd": c.width, "n_head": c.heads, "n_layer": c.layers, "n_positions": c.maxLength, "n_ctx": c.maxLength,
            "vocab_size": c.vocabularySize, "n_inner": c.mlpWidth, "activation_function": "gelu_new",
            "layer_norm_epsilon": shortest(c.normEpsilon), "initializer_range": shortest(c.initStd),
            "resid_pdrop": 0, "embd_pdrop": 0, "attn_pdrop": 0, "tie_word_embeddings": true, "scale_attn_weights": true,
            "bos_token_id": bos.map { $0 as Any } ?? NSNull(), "eos_token_id": eos.map { $0 as Any } ?? NSNull(), "torch_dtype": "float32",
            // What GPT-2's config cannot say: that this is attnlab's decoder-only architecture.
            "attnlab": ["architecture": Architecture.decoderOnly.rawValue, "layout": "gpt2"],
        ]
    }

    /// Reads GPT-2's config.json. Fields GPT2Config defaults may be left out; a GPT-2 variant
    /// attnlab cannot run (per-layer score scaling, cross-attention) is refused by name.
    static func config(_ file: JSONFile) throws -> ModelConfig {
        if try file.bool("scale_attn_by_inverse_layer_idx", default: false) {
            throw file.problem("scale_attn_by_inverse_layer_idx", "is true; attnlab scales every layer's scores alike")
        }
        if try file.bool("add_cross_attention", default: false) {
            throw file.problem("add_cross_attention", "is true; attnlab reads GPT-2 as a decoder-only model")
        }
        if file.has("attnlab") {
            let own = try file.object("attnlab")
            let architecture = try own.string("architecture", default: Architecture.decoderOnly.rawValue)
            guard architecture == Architecture.decoderOnly.rawValue else {
                throw own.problem("architecture", "is \"\(architecture)\", but GPT-2's layout holds a decoder-only model")
            }
        }
        let width = try file.int("n_embd")
        return ModelConfig(
            width: width, heads: try file.int("n_head"), layers: try file.int("n_layer"),
            mlpWidth: try file.int("n_inner", default: 4 * width), vocabularySize: try file.int("vocab_size"),
            maxLength: try file.int("n_positions"), normEpsilon: try file.float("layer_norm_epsilon", default: 1e-5),
            scoreScaling: try file.bool("scale_attn_weights", default: true) ? .inverseSqrtHeadDim : .none,
            activation: try activation(file), tiedEmbeddings: try file.bool("tie_word_embeddings", default: true),
            initStd: try file.float("initializer_range", default: 0.02))
    }

    private static func activation(_ file: JSONFile) throws -> Activation {
        switch try file.string("activation_function", default: "gelu_new") {
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": return .geluTanh
        case "gelu": return .geluExact
        case "relu": return .relu
        case let other:
            throw file.problem("activation_function", "is \"\(other)\"; attnlab runs gelu_new, gelu_pytorch_tanh, gelu and relu")
        }
    }

    // MARK: tensors

    /// GPT-2's tensor names and shapes for a configuration, in file order.
    static func expected(_ c: ModelConfig) -> ExpectedTensors {
        let (d, m) = (c.width, c.mlpWidth)
        var list = ExpectedTensors()
        list.add("transformer.wte.weight", [c.vocabularySize, d])
        list.add("transformer.wpe.weight", [c.maxLength, d])
        for i in 0..<c.layers {
            let p = "transformer.h.\(i)."
            for (name, shape) in [("ln_1.weight", [d]), ("ln_1.bias", [d]), ("attn.c_attn.weight", [d, 3 * d]),
                                  ("attn.c_attn.bias", [3 * d]), ("attn.c_proj.weight", [d, d]), ("attn.c_proj.bias", [d]),
                                  ("ln_2.weight", [d]), ("ln_2.bias", [d]), ("mlp.c_fc.weight", [d, m]), ("mlp.c_fc.bias", [m]),
                                  ("mlp.c_proj.weight", [m, d]), ("mlp.c_proj.bias", [d])] {
                list.add(p + name, shape)
            }
        }
        list.add("transformer.ln_f.weight", [d])
        list.add("transformer.ln_f.bias", [d])
        if !c.tiedEmbeddings { list.add("lm_head.weight", [c.vocabularySize, d]) }
        return list
    }

    /// A GPT-2-flavoured model's weights under GPT-2's names, transposed and fused as GPT-2 keeps them.
    static func tensors(_ weights: ModelWeights) throws -> [String: Tensor] {
        guard let positions = weights.positionEmbedding, let decoder = weights.decoder, let final = decoder.finalNorm else {
            throw CheckpointError(path: Checkpoint.weightsFile, problem: "a GPT-2-flavoured model needs learned positions and a final norm")
        }
        var out = ["transformer.wte.weight": weights.tokenEmbedding, "transformer.wpe.weight": positions]
        func norm(_ name: String, _ norm: Norm) throws {
            guard let beta = norm.beta else {
                throw CheckpointError(path: Checkpoint.weightsFile, problem: "\(name) has no bias, which GPT-2's layer norms have")
            }
            out[name + ".weight"] = norm.gamma
            out[name + ".bias"] = beta
        }
        func conv1D(_ name: String, _ parts: [Linear]) {
            out[name + ".weight"] = Tensor.stackingRows(parts.map(\.weight)).transposed
            out[name + ".bias"] = Tensor.joining(parts.map { $0.bias ?? Tensor(zeros: [$0.weight.shape[0]]) })
        }
        for (i, block) in decoder.blocks.enumerated() {
            let p = "transformer.h.\(i)."
            let a = block.selfAttention
            try norm(p + "ln_1", block.selfAttentionNorm)
            conv1D(p + "attn.c_attn", [a.query, a.key, a.value])
            conv1D(p + "attn.c_proj", [a.output])
            try norm(p + "ln_2", block.mlpNorm)
            conv1D(p + "mlp.c_fc", [block.mlp.up])
            conv1D(p + "mlp.c_proj", [block.mlp.down])
        }
        try norm("transformer.ln_f", final)
        if let unembedding = weights.unembedding { out["lm_head.weight"] = unembedding }
        return out
    }

    /// GPT-2's tensors (already checked against `expected`) under attnlab's names, split and
    /// transposed. Each is taken out of `gpt2` as it is converted, so its old storage is freed
    /// before the next is copied: converting never holds a second copy of the weights.
    static func attnlabTensors(_ gpt2: inout [String: Tensor], _ c: ModelConfig) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        func copy(_ from: String, _ to: String) { if let t = gpt2.removeValue(forKey: from) { out[to] = t } }
        func linears(_ from: String, _ to: [String]) {
            guard let weight = gpt2.removeValue(forKey: from + ".weight"), let bias = gpt2.removeValue(forKey: from + ".bias") else { return }
            for (name, (w, b)) in zip(to, zip(weight.transposed.split(to.count), bias.split(to.count))) {
                out[name + ".weight"] = w
                out[name + ".bias"] = b
            }
        }
        copy("transformer.wte.weight", "embed.token")
        copy("transformer.wpe.weight", "embed.position")
        for i in 0..<c.layers {
            let (p, q) = ("transformer.h.\(i).", "decoder.\(i).")
            for (from, to) in [("ln_1", "self_attn_norm"), ("ln_2", "mlp_norm")] {
                copy(p + from + ".weight", q + to + ".weight")
                copy(p + from + ".bias", q + to + ".bias")
            }
            linears(p + "attn.c_attn", [q + "self_attn.q", q + "self_attn.k", q + "self_attn.v"])
            linears(p + "attn.c_proj", [q + "self_attn.o"])
            linears(p + "mlp.c_fc", [q + "mlp.up"])
            linears(p + "mlp.c_proj", [q + "mlp.down"])
        }
        copy("transformer.ln_f.weight", "decoder.final_norm.weight")
        copy("transformer.ln_f.bias", "decoder.final_norm.bias")
        copy("lm_head.weight", "unembed.weight")
        return out
    }

    /// The names OpenAI's original GPT-2 files use (no `transformer.` prefix) made into
    /// transformers' own, and what GPT-2 files hold besides weights dropped: the causal-mask
    /// buffers `h.N.attn.bias` and `h.N.attn.masked_bias`, and an `lm_head.weight` that repeats the
    /// tied token embedding. An `lm_head.weight` that differs from it is an error.
    static func normalised(_ tensors: [String: Tensor], _ c: ModelConfig, folder: URL) throws -> [String: Tensor] {
        let prefixed = tensors.keys.contains { $0.hasPrefix("transformer.") }
        var out: [String: Tensor] = [:]
        for (name, tensor) in tensors {
            let full = prefixed || name.hasPrefix("lm_head.") ? name : "transformer." + name
            if isBuffer(full) { continue }
            out[full] = tensor
        }
        if c.tiedEmbeddings, let head = out.removeValue(forKey: "lm_head.weight"), let embedding = out["transformer.wte.weight"],
           head != embedding {
            throw CheckpointError(folder, Checkpoint.weightsFile,
                                  "tensor 'lm_head.weight' differs from 'transformer.wte.weight', but config.json ties them")
        }
        return out
    }

    /// GPT-2's causal-mask buffers (`h.N.attn.bias`, `h.N.attn.masked_bias`), bool or float in old
    /// files: never read, since attnlab makes its own mask.
    static func isBuffer(_ name: String) -> Bool { name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias") }

    /// A Float written as its shortest decimal (1e-05, not 9.99999974737875e-06); reads back exactly.
    static func shortest(_ x: Float) -> Double { Double("\(x)") ?? Double(x) }
}
