import Foundation
import TensorCore
import Transformer

/// T5 (`model_type: "t5"`, T5ForConditionalGeneration): v1.0 (ReLU MLP; the head is the shared
/// embedding, with the last hidden state scaled by width^-½) and v1.1 / flan-t5 (gated-GELU MLP,
/// a head of its own, unscaled).
///
/// On attnlab's blocks it is an encoder-decoder, pre-norm model with RMS norms and no biases,
/// unscaled scores with a relative position bias (one table per stack, on block 0's
/// self-attention), heads `d_kv` wide whatever the width, and a final norm per stack.
/// `layer.0` is self-attention, `layer.1` the decoder's cross-attention (`EncDecAttention`), the
/// last layer the MLP: `wi`/`wo`, or `wi_0` (activated, attnlab's `gate`), `wi_1` (`up`) and `wo`.
struct T5Adapter: HuggingFaceAdapter {
    let architecture = Architecture.encoderDecoder
    var config: ModelConfig

    static let basePrefix = ""   // T5's files name the base model's tensors as they are

    init(_ file: JSONFile) throws {
        let gated: Bool, activation: Activation
        switch try file.string("feed_forward_proj", default: "relu") {
        case "relu": (gated, activation) = (false, .relu)
        case "gated-gelu": (gated, activation) = (true, .geluTanh)   // transformers runs it as gelu_new
        case let other:
            throw file.problem("feed_forward_proj", "is \"\(other)\"; attnlab runs T5's \"relu\" (v1.0) and \"gated-gelu\" (v1.1)")
        }
        if !(try file.bool("is_encoder_decoder", default: true)) {
            throw file.problem("is_encoder_decoder", "is false; attnlab reads T5 as an encoder-decoder model")
        }
        let layers = try file.int("num_layers")
        _ = try file.int("num_decoder_layers", sameAs: "num_layers", value: layers)
        // transformers 5 writes `tie_word_embeddings: true` for every T5 and says whether the head
        // is scaled in `scale_decoder_outputs`; older files say both with `tie_word_embeddings`
        // (false for v1.1). A v1.1 head of its own is found in model.safetensors either way.
        let tied = try file.bool("tie_word_embeddings", default: true)
        let scaled = try file.bool("scale_decoder_outputs", default: tied)
        let buckets = try file.int("relative_attention_num_buckets", default: 32)
        config = ModelConfig(
            width: try file.int("d_model"), heads: try file.int("num_heads"), layers: layers,
            mlpWidth: try file.int("d_ff"), vocabularySize: try file.int("vocab_size"),
            // Relative positions set no limit; attnlab needs one, and T5 was trained on 512.
            maxLength: try file.int("n_positions", default: 512),
            normPlacement: .pre, normKind: .rmsNorm, normEpsilon: try file.float("layer_norm_epsilon", default: 1e-6),
            positions: .relativeBias(buckets: buckets, maxDistance: try file.int("relative_attention_max_distance", default: 128)),
            scoreScaling: .none, activation: activation, biases: false, embeddingNorm: false,
            tiedEmbeddings: tied, scaleTiedLogits: scaled, initStd: try file.float("initializer_factor", default: 1),
            headWidth: try file.int("d_kv"), gatedMLP: gated)
        if !tied && scaled {
            throw file.problem("scale_decoder_outputs", "is true for an untied head; attnlab scales only a tied head, as T5 v1.0 does")
        }
    }

    /// Old files carry a relative bias on block 0's cross-attention that T5 never uses.
    static func isIgnored(_ name: String) -> Bool {
        name == "decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight"
    }

    func tiedHead(_ names: TensorNames) -> (head: String, embedding: String)? { ("lm_head.weight", "shared.weight") }

    func copies(_ names: TensorNames) -> [(copy: String, original: String)] {
        [("encoder.embed_tokens.weight", "shared.weight"), ("decoder.embed_tokens.weight", "shared.weight")]
    }

    func table(_ names: TensorNames) -> [TensorMapping] {
        let (d, m, v) = (config.width, config.mlpWidth, config.vocabularySize)
        let (inner, heads) = (config.attentionWidth, config.heads)
        var t = TableBuilder(names)
        t.add("shared.weight", [v, d], "embed.token")
        func attention(_ source: String, _ target: String) {
            for (from, to) in [("q", "q"), ("k", "k"), ("v", "v")] {
                t.linear(source + from, target + to, out: inner, in: d, bias: false)
            }
            t.linear(source + "o", target + "o", out: d, in: inner, bias: false)
        }
        for stack in [Stack.encoder, .decoder] {
            let s = stack.rawValue
            let mlpLayer = stack == .encoder ? 1 : 2
            for i in 0..<config.layers {
                let (p, q) = ("\(s).block.\(i).layer.", "\(s).\(i).")
                t.norm(p + "0.layer_norm", q + "self_attn_norm", width: d, bias: false)
                attention(p + "0.SelfAttention.", q + "self_attn.")
                if i == 0 {
                    t.add(p + "0.SelfAttention.relative_attention_bias.weight", [relativeBuckets, heads],
                          q + "self_attn.relative_bias")
                }
                if stack == .decoder {
                    t.norm(p + "1.layer_norm", q + "cross_attn_norm", width: d, bias: false)
                    attention(p + "1.EncDecAttention.", q + "cross_attn.")
                }
                let mlp = p + "\(mlpLayer).DenseReluDense."
                t.norm(p + "\(mlpLayer).layer_norm", q + "mlp_norm", width: d, bias: false)
                if config.gatedMLP {
                    t.linear(mlp + "wi_0", q + "mlp.gate", out: m, in: d, bias: false)
                    t.linear(mlp + "wi_1", q + "mlp.up", out: m, in: d, bias: false)
                } else {
                    t.linear(mlp + "wi", q + "mlp.up", out: m, in: d, bias: false)
                }
                t.linear(mlp + "wo", q + "mlp.down", out: d, in: m, bias: false)
            }
            t.norm("\(s).final_layer_norm", "\(s).final_norm", width: d, bias: false)
        }
        if !config.tiedEmbeddings { t.add("lm_head.weight", [v, d], "unembed.weight") }
        return t.mappings
    }

    private var relativeBuckets: Int {
        if case let .relativeBias(buckets, _) = config.positions { return buckets }
        return 0
    }

    func addExtras(to weights: inout ModelWeights) {}
}
