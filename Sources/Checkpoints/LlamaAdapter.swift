import Foundation
import TensorCore
import Transformer

/// Llama (`model_type: "llama"`) and Qwen2 (`"qwen2"`), LlamaForCausalLM and Qwen2ForCausalLM,
/// which differ here only in Qwen2's query, key and value biases and its sliding-window option.
///
/// On attnlab's blocks they are decoder-only, pre-norm models with RMS norms: rotary positions
/// (`rope_theta`, optionally Llama 3's "llama3" frequency scaling), grouped-query attention
/// (`num_key_value_heads`), a gated SiLU MLP (`gate_proj`, `up_proj`, `down_proj`) and a final
/// norm; the head is `lm_head` or, when tied, the token embedding.
struct LlamaAdapter: HuggingFaceAdapter {
    let architecture = Architecture.decoderOnly
    var config: ModelConfig
    /// Biases on q, k and v (Qwen2 always; Llama with `attention_bias`, which also puts one on o).
    let queryKeyValueBiases: Bool
    let outputBias: Bool
    let mlpBiases: Bool

    static let basePrefix = "model."

    init(_ file: JSONFile) throws {
        let qwen2 = try file.string("model_type") == "qwen2"
        if qwen2 {
            if try file.bool("use_sliding_window", default: false) {
                throw file.problem("use_sliding_window", "is true; attnlab runs Qwen2 with full attention in every layer")
            }
            if try file.strings("layer_types").contains(where: { $0 != "full_attention" }) {
                throw file.problem("layer_types", "names a layer other than \"full_attention\"; attnlab runs full attention in every layer")
            }
            (queryKeyValueBiases, outputBias, mlpBiases) = (true, false, false)
        } else {
            let attentionBias = try file.bool("attention_bias", default: false)
            (queryKeyValueBiases, outputBias) = (attentionBias, attentionBias)
            mlpBiases = try file.bool("mlp_bias", default: false)
        }
        let width = try file.int("hidden_size"), heads = try file.int("num_attention_heads")
        config = ModelConfig(
            width: width, heads: heads, layers: try file.int("num_hidden_layers"),
            mlpWidth: try file.int("intermediate_size"), vocabularySize: try file.int("vocab_size"),
            maxLength: try file.int("max_position_embeddings"),
            normPlacement: .pre, normKind: .rmsNorm, normEpsilon: try file.float("rms_norm_eps", default: 1e-6),
            positions: try Self.rotary(file), scoreScaling: .inverseSqrtHeadDim,
            activation: try file.activation("hidden_act", default: "silu"), biases: false, embeddingNorm: false,
            tiedEmbeddings: try file.bool("tie_word_embeddings", default: false),
            initStd: try file.float("initializer_range", default: 0.02),
            kvHeads: try file.int("num_key_value_heads", default: heads),
            headWidth: try file.optionalInt("head_dim"), gatedMLP: true)
    }

    /// The rotary scheme: transformers 5 writes `rope_parameters` {rope_type, rope_theta, …};
    /// older files `rope_theta` and `rope_scaling` {rope_type or type, …} (null: none).
    static func rotary(_ file: JSONFile) throws -> PositionScheme {
        let parameters: JSONFile?, base: Float
        if file.has("rope_parameters") {
            let p = try file.object("rope_parameters")
            (parameters, base) = (p, try p.float("rope_theta", default: 10_000))
        } else {
            parameters = file.has("rope_scaling") ? try file.object("rope_scaling") : nil
            base = try file.float("rope_theta", default: 10_000)
        }
        guard let parameters else { return .rotary(base: base, scaling: nil) }
        let typeField = parameters.has("rope_type") || !parameters.has("type") ? "rope_type" : "type"
        switch try parameters.string(typeField, default: "default") {
        case "default":
            return .rotary(base: base, scaling: nil)
        case "llama3":
            return .rotary(base: base, scaling: .llama3(
                factor: try parameters.float("factor"), lowFrequencyFactor: try parameters.float("low_freq_factor"),
                highFrequencyFactor: try parameters.float("high_freq_factor"),
                originalMaxPositions: try parameters.int("original_max_position_embeddings")))
        case let other:
            throw parameters.problem(typeField, "is \"\(other)\"; attnlab runs rotary positions unscaled (\"default\") or with \"llama3\" scaling")
        }
    }

    /// The inverse frequencies some files keep (recomputed from config.json instead).
    static func isIgnored(_ name: String) -> Bool { name.hasSuffix("rotary_emb.inv_freq") }

    func tiedHead(_ names: TensorNames) -> (head: String, embedding: String)? { ("lm_head.weight", names.base("embed_tokens.weight")) }

    func copies(_ names: TensorNames) -> [(copy: String, original: String)] { [] }

    func table(_ names: TensorNames) -> [TensorMapping] {
        let (d, m, v) = (config.width, config.mlpWidth, config.vocabularySize)
        let (dq, dkv) = (config.attentionWidth, config.keyValueWidth)
        var t = TableBuilder(names)
        t.add("embed_tokens.weight", [v, d], "embed.token")
        for i in 0..<config.layers {
            let (p, q) = ("layers.\(i).", "decoder.\(i).")
            t.norm(p + "input_layernorm", q + "self_attn_norm", width: d, bias: false)
            t.linear(p + "self_attn.q_proj", q + "self_attn.q", out: dq, in: d, bias: queryKeyValueBiases)
            t.linear(p + "self_attn.k_proj", q + "self_attn.k", out: dkv, in: d, bias: queryKeyValueBiases)
            t.linear(p + "self_attn.v_proj", q + "self_attn.v", out: dkv, in: d, bias: queryKeyValueBiases)
            t.linear(p + "self_attn.o_proj", q + "self_attn.o", out: d, in: dq, bias: outputBias)
            t.norm(p + "post_attention_layernorm", q + "mlp_norm", width: d, bias: false)
            t.linear(p + "mlp.gate_proj", q + "mlp.gate", out: m, in: d, bias: mlpBiases)
            t.linear(p + "mlp.up_proj", q + "mlp.up", out: m, in: d, bias: mlpBiases)
            t.linear(p + "mlp.down_proj", q + "mlp.down", out: d, in: m, bias: mlpBiases)
        }
        t.norm("norm", "decoder.final_norm", width: d, bias: false)
        if !config.tiedEmbeddings { t.add("lm_head.weight", [v, d], "unembed.weight", head: true) }
        return t.mappings
    }

    /// `ModelWeights.zeros` makes no biases for a model without them; these models have some.
    func addExtras(to weights: inout ModelWeights) {
        guard var decoder = weights.decoder else { return }
        func bias(_ linear: inout Linear, _ on: Bool) {
            if on { linear.bias = Tensor(zeros: [linear.weight.shape[0]]) }
        }
        for i in decoder.blocks.indices {
            bias(&decoder.blocks[i].selfAttention.query, queryKeyValueBiases)
            bias(&decoder.blocks[i].selfAttention.key, queryKeyValueBiases)
            bias(&decoder.blocks[i].selfAttention.value, queryKeyValueBiases)
            bias(&decoder.blocks[i].selfAttention.output, outputBias)
            if var gate = decoder.blocks[i].mlp.gate {
                bias(&gate, mlpBiases)
                decoder.blocks[i].mlp.gate = gate
            }
            bias(&decoder.blocks[i].mlp.up, mlpBiases)
            bias(&decoder.blocks[i].mlp.down, mlpBiases)
        }
        weights.decoder = decoder
    }
}
