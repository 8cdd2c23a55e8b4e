import Foundation
import TensorCore
import Transformer

/// BERT (`model_type: "bert"`): BertForMaskedLM, BertForPreTraining, or a bare BertModel such as
/// all-MiniLM-L6-v2 (no head: the model ends in its hidden states).
///
/// On attnlab's blocks it is an encoder-only, post-norm model with layer norms and biases: token +
/// token type 0 + learned position embeddings, an embedding norm, blocks whose
/// `attention.output.LayerNorm` and `output.LayerNorm` norm the residual sums, and no final norm.
/// The masked-LM head is `cls.predictions`: a transform (dense, activation, layer norm), the tied
/// word embeddings, and a bias per id.
struct BERTAdapter: HuggingFaceAdapter {
    let architecture = Architecture.encoderOnly
    var config: ModelConfig
    let typeVocabularySize: Int
    let activation: Activation

    static let basePrefix = "bert."

    init(_ file: JSONFile) throws {
        if try file.bool("is_decoder", default: false) {
            throw file.problem("is_decoder", "is true; attnlab reads BERT as a bidirectional encoder")
        }
        if try file.bool("add_cross_attention", default: false) {
            throw file.problem("add_cross_attention", "is true; attnlab reads BERT as an encoder without cross-attention")
        }
        let positions = try file.string("position_embedding_type", default: "absolute")
        guard positions == "absolute" else {
            throw file.problem("position_embedding_type", "is \"\(positions)\"; attnlab runs BERT's absolute (learned) positions only")
        }
        // A masked-LM head when the file says it holds one; a bare BertModel (or no word) ends in hidden states.
        let heads = try file.strings("architectures")
        let hasHead = heads.contains { $0 == "BertForMaskedLM" || $0 == "BertForPreTraining" }
        activation = try file.activation("hidden_act", default: "gelu")
        typeVocabularySize = try file.int("type_vocab_size", default: 2)
        guard typeVocabularySize >= 1 else { throw file.problem("type_vocab_size", "must be at least 1") }
        config = ModelConfig(
            width: try file.int("hidden_size"), heads: try file.int("num_attention_heads"),
            layers: try file.int("num_hidden_layers"), mlpWidth: try file.int("intermediate_size"),
            vocabularySize: try file.int("vocab_size"), maxLength: try file.int("max_position_embeddings", default: 512),
            normPlacement: .post, normKind: .layerNorm, normEpsilon: try file.float("layer_norm_eps", default: 1e-12),
            positions: .learned, scoreScaling: .inverseSqrtHeadDim, activation: activation, biases: true,
            embeddingNorm: true, tiedEmbeddings: try file.bool("tie_word_embeddings", default: true),
            initStd: try file.float("initializer_range", default: 0.02), hasHead: hasHead)
        if !hasHead { config.tiedEmbeddings = true }   // no head: no unembedding to keep
    }

    /// The position ids buffer, the pooler (a [CLS] classifier's input, not part of the encoder
    /// attnlab draws) and BertForPreTraining's next-sentence head.
    static func isIgnored(_ name: String) -> Bool {
        name.hasSuffix("embeddings.position_ids") || name.hasPrefix("pooler.") || name.hasPrefix(basePrefix + "pooler.")
            || name.hasPrefix("cls.seq_relationship.")
    }

    func tiedHead(_ names: TensorNames) -> (head: String, embedding: String)? {
        config.hasHead ? ("cls.predictions.decoder.weight", names.base("embeddings.word_embeddings.weight")) : nil
    }

    /// The decoder's bias is the same parameter as `cls.predictions.bias`; files hold either or both.
    func copies(_ names: TensorNames) -> [(copy: String, original: String)] {
        config.hasHead ? [("cls.predictions.decoder.bias", "cls.predictions.bias")] : []
    }

    func table(_ names: TensorNames) -> [TensorMapping] {
        let (d, m, v) = (config.width, config.mlpWidth, config.vocabularySize)
        var t = TableBuilder(names)
        t.add("embeddings.word_embeddings.weight", [v, d], "embed.token")
        t.add("embeddings.position_embeddings.weight", [config.maxLength, d], "embed.position")
        t.add("embeddings.token_type_embeddings.weight", [typeVocabularySize, d], "embed.token_type")
        t.norm("embeddings.LayerNorm", "embed.norm", width: d, bias: true)
        for i in 0..<config.layers {
            let (p, q) = ("encoder.layer.\(i).", "encoder.\(i).")
            t.linear(p + "attention.self.query", q + "self_attn.q", out: d, in: d, bias: true)
            t.linear(p + "attention.self.key", q + "self_attn.k", out: d, in: d, bias: true)
            t.linear(p + "attention.self.value", q + "self_attn.v", out: d, in: d, bias: true)
            t.linear(p + "attention.output.dense", q + "self_attn.o", out: d, in: d, bias: true)
            t.norm(p + "attention.output.LayerNorm", q + "self_attn_norm", width: d, bias: true)
            t.linear(p + "intermediate.dense", q + "mlp.up", out: m, in: d, bias: true)
            t.linear(p + "output.dense", q + "mlp.down", out: d, in: m, bias: true)
            t.norm(p + "output.LayerNorm", q + "mlp_norm", width: d, bias: true)
        }
        if config.hasHead {
            t.linear("cls.predictions.transform.dense", "unembed.transform.dense", out: d, in: d, bias: true, head: true)
            t.norm("cls.predictions.transform.LayerNorm", "unembed.transform.norm", width: d, bias: true, head: true)
            if !config.tiedEmbeddings { t.add("cls.predictions.decoder.weight", [v, d], "unembed.weight", head: true) }
            t.add("cls.predictions.bias", [v], "unembed.bias", head: true)
        }
        return t.mappings
    }

    func addExtras(to weights: inout ModelWeights) {
        let d = config.width
        weights.tokenTypeEmbedding = Tensor(zeros: [typeVocabularySize, d])
        guard config.hasHead else { return }
        weights.headTransform = HeadTransform(
            dense: Linear(weight: Tensor(zeros: [d, d]), bias: Tensor(zeros: [d])), activation: activation,
            norm: Norm(kind: .layerNorm, gamma: Tensor(repeating: 1, shape: [d]), beta: Tensor(zeros: [d]), epsilon: config.normEpsilon))
        weights.unembeddingBias = Tensor(zeros: [config.vocabularySize])
    }
}
