import Foundation
import TensorCore
import Transformer

/// BART (`model_type: "bart"`, BartForConditionalGeneration, or a bare BartModel).
///
/// On attnlab's blocks it is an encoder-decoder, post-norm model with layer norms and biases. Each
/// stack has its own learned position table, read from row position + 2 (BART keeps two unused
/// rows first), and its own embedding norm (`layernorm_embedding`); the token embedding is
/// `shared`, multiplied by √width when `scale_embedding` is true. The head is the shared
/// embedding plus `final_logits_bias`.
struct BARTAdapter: HuggingFaceAdapter {
    let architecture = Architecture.encoderDecoder
    var config: ModelConfig

    static let basePrefix = "model."
    /// BART's learned positions start at row 2 of their tables.
    static let positionOffset = 2

    init(_ file: JSONFile) throws {
        let width = try file.int("d_model")
        let layers = try file.int("encoder_layers")
        _ = try file.int("decoder_layers", sameAs: "encoder_layers", value: layers)
        let heads = try file.int("encoder_attention_heads")
        _ = try file.int("decoder_attention_heads", sameAs: "encoder_attention_heads", value: heads)
        let mlpWidth = try file.int("encoder_ffn_dim")
        _ = try file.int("decoder_ffn_dim", sameAs: "encoder_ffn_dim", value: mlpWidth)
        // `normalize_before` and `add_final_layer_norm` are fairseq's; transformers' BART reads
        // neither and always runs post-norm blocks without a final norm, and so does attnlab.
        config = ModelConfig(
            width: width, heads: heads, layers: layers, mlpWidth: mlpWidth, vocabularySize: try file.int("vocab_size"),
            maxLength: try file.int("max_position_embeddings"),
            normPlacement: .post, normKind: .layerNorm, normEpsilon: 1e-5,   // nn.LayerNorm's default, which BART keeps
            positions: .learned, scoreScaling: .inverseSqrtHeadDim,
            activation: try file.activation("activation_function", default: "gelu"), biases: true, embeddingNorm: true,
            tiedEmbeddings: try file.bool("tie_word_embeddings", default: true),
            initStd: try file.float("init_std", default: 0.02), positionOffset: Self.positionOffset,
            embeddingScale: try file.bool("scale_embedding", default: false) ? Float(width).squareRoot() : 1)
    }

    static func isIgnored(_ name: String) -> Bool { false }

    func tiedHead(_ names: TensorNames) -> (head: String, embedding: String)? { ("lm_head.weight", names.base("shared.weight")) }

    func copies(_ names: TensorNames) -> [(copy: String, original: String)] {
        [(names.base("encoder.embed_tokens.weight"), names.base("shared.weight")),
         (names.base("decoder.embed_tokens.weight"), names.base("shared.weight"))]
    }

    func table(_ names: TensorNames) -> [TensorMapping] {
        let (d, m, v) = (config.width, config.mlpWidth, config.vocabularySize)
        let positions = config.maxLength + config.positionOffset
        var t = TableBuilder(names)
        t.add("shared.weight", [v, d], "embed.token")
        func attention(_ source: String, _ target: String) {
            for (from, to) in [("q_proj", "q"), ("k_proj", "k"), ("v_proj", "v"), ("out_proj", "o")] {
                t.linear(source + from, target + to, out: d, in: d, bias: true)
            }
        }
        for stack in [Stack.encoder, .decoder] {
            let s = stack.rawValue
            // The encoder's tables are attnlab's shared ones; the decoder's are its own.
            let embed = stack == .encoder ? "embed." : "decoder.embed."
            t.add("\(s).embed_positions.weight", [positions, d], embed + "position")
            t.norm("\(s).layernorm_embedding", stack == .encoder ? "embed.norm" : "decoder.embed_norm", width: d, bias: true)
            for i in 0..<config.layers {
                let (p, q) = ("\(s).layers.\(i).", "\(s).\(i).")
                attention(p + "self_attn.", q + "self_attn.")
                t.norm(p + "self_attn_layer_norm", q + "self_attn_norm", width: d, bias: true)
                if stack == .decoder {
                    attention(p + "encoder_attn.", q + "cross_attn.")
                    t.norm(p + "encoder_attn_layer_norm", q + "cross_attn_norm", width: d, bias: true)
                }
                t.linear(p + "fc1", q + "mlp.up", out: m, in: d, bias: true)
                t.linear(p + "fc2", q + "mlp.down", out: d, in: m, bias: true)
                t.norm(p + "final_layer_norm", q + "mlp_norm", width: d, bias: true)
            }
        }
        if !config.tiedEmbeddings { t.add("lm_head.weight", [v, d], "unembed.weight", head: true) }
        // A buffer of BartForConditionalGeneration, [1, vocab]; a bare BartModel has none (zeros).
        t.add("final_logits_bias", [1, v], "unembed.bias", head: true,
              convert: { Tensor(shape: [$0.count], scalars: $0.scalars) }, fallback: Tensor(zeros: [1, v]))
        return t.mappings
    }

    func addExtras(to weights: inout ModelWeights) {
        let d = config.width
        weights.decoderPositionEmbedding = Tensor(zeros: [config.maxLength + config.positionOffset, d])
        weights.decoderEmbeddingNorm = Norm(kind: .layerNorm, gamma: Tensor(repeating: 1, shape: [d]), beta: Tensor(zeros: [d]),
                                            epsilon: config.normEpsilon)
        weights.unembeddingBias = Tensor(zeros: [config.vocabularySize])
    }
}
