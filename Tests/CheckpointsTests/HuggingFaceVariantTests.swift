import Foundation
import Testing
import TensorCore
import Transformer
@testable import Checkpoints

/// The same checkpoints as other tools and older transformers versions write them — other key
/// spellings, tied tensors present, buffers of other dtypes — read into the same model; and broken
/// ones, each refused in one line naming the file and the field or tensor.
@Suite struct HuggingFaceVariantTests {
    /// A bare BertModel as all-MiniLM-L6-v2 is stored: no `bert.` prefix, TensorFlow's `gamma` and
    /// `beta`, an int64 `position_ids` buffer and a pooler. It is BertForMaskedLM's encoder: the
    /// same patterns, and hidden states where the masked-LM model has logits.
    @Test func aBareBertModelIsTheMaskedLMsEncoder() throws {
        let folder = try variant("bert") { config, tensors, raw in
            config["architectures"] = ["BertModel"]
            var bare: [String: Tensor] = [:]
            for (name, tensor) in tensors where name.hasPrefix("bert.") {
                let old = ["embeddings.LayerNorm.weight": "embeddings.LayerNorm.gamma", "embeddings.LayerNorm.bias": "embeddings.LayerNorm.beta"]
                let new = String(name.dropFirst("bert.".count))
                bare[old[new] ?? new] = tensor
            }
            bare["pooler.dense.weight"] = Tensor(zeros: [32, 32])
            bare["pooler.dense.bias"] = Tensor(zeros: [32])
            tensors = bare
            raw["embeddings.position_ids"] = ("I64", [1, 64], (0..<64).flatMap { littleEndianBytes(Int64($0)) })
        }
        let bare = try Checkpoint.load(from: folder).model
        #expect(!bare.config.hasHead && bare.weights.headTransform == nil)
        let reference = try Reference("bert")
        let tracer = Tracer()
        let hidden = try bare.forward(reference.input, pass: Pass(hooks: .recording(tracer, pattern: "*.pattern")))
        #expect(hidden.shape == [reference.input.encoder?.count ?? 0, 32])
        for name in reference.patternNames {
            #expect(try #require(tracer[name]).tensor.maxAbsDifference(try #require(reference.tensors[name])) <= 1e-4)
        }
    }

    /// Files that keep tied tensors (BERT's decoder weight and bias, T5's and BART's per-stack
    /// embed_tokens and lm_head, Llama's rotary buffers, GPT-2's bool mask buffers), the pre-transformers-5 way of saying T5
    /// v1.1's head is its own, and Llama's older rope fields: the same logits.
    @Test(arguments: ["bert", "gpt2", "t5-v1_0", "t5-v1_1", "bart", "llama", "qwen2"])
    func olderSpellingsLoadTheSameModel(_ name: String) throws {
        let folder = try variant(name) { config, tensors, raw in
            switch name {
            case "gpt2":
                // Old GPT-2 files keep the causal mask as a bool buffer per layer.
                for i in 0..<2 { raw["transformer.h.\(i).attn.bias"] = ("BOOL", [1, 1, 4, 4], [UInt8](repeating: 1, count: 16)) }
            case "bert":
                tensors["cls.predictions.decoder.weight"] = tensors["bert.embeddings.word_embeddings.weight"]
                tensors["cls.predictions.decoder.bias"] = tensors["cls.predictions.bias"]
            case "t5-v1_0", "t5-v1_1":
                tensors["encoder.embed_tokens.weight"] = tensors["shared.weight"]
                tensors["decoder.embed_tokens.weight"] = tensors["shared.weight"]
                tensors["decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight"] = Tensor(zeros: [8, 4])
                if name == "t5-v1_0" { tensors["lm_head.weight"] = tensors["shared.weight"] }
                if name == "t5-v1_1" { config["tie_word_embeddings"] = false; config["scale_decoder_outputs"] = nil }
            case "bart":
                for stack in ["encoder", "decoder"] { tensors["model.\(stack).embed_tokens.weight"] = tensors["model.shared.weight"] }
                tensors["lm_head.weight"] = tensors["model.shared.weight"]
            case "llama":
                for i in 0..<2 { tensors["model.layers.\(i).self_attn.rotary_emb.inv_freq"] = Tensor(zeros: [4]) }
                let rope = config["rope_parameters"] as? [String: Any] ?? [:]
                config["rope_parameters"] = nil
                config["rope_theta"] = rope["rope_theta"]
                var scaling = rope
                scaling["rope_theta"] = nil
                config["rope_scaling"] = scaling
            default:   // qwen2, tied: a file that keeps the head anyway
                tensors["lm_head.weight"] = tensors["model.embed_tokens.weight"]
            }
        }
        let loaded = try Checkpoint.load(from: folder)
        let original = try Checkpoint.load(from: try hfFixtures().appendingPathComponent(name))
        #expect(loaded.model.config == original.model.config)
        let result = try compare(loaded.model, try Reference(name))
        #expect(result.patterns <= 1e-4 && result.output <= 1e-4, "\(name): \(result)")
    }

    /// A bare BartModel has no final_logits_bias: its logits are the full model's less that bias.
    @Test func aBareBartModelHasNoLogitsBias() throws {
        var bias: Tensor?
        let folder = try variant("bart") { config, tensors, _ in
            config["architectures"] = ["BartModel"]
            bias = tensors.removeValue(forKey: "final_logits_bias")
            var bare: [String: Tensor] = [:]
            for (name, tensor) in tensors { bare[name.hasPrefix("model.") ? String(name.dropFirst(6)) : name] = tensor }
            tensors = bare
        }
        let reference = try Reference("bart")
        let logits = try Checkpoint.load(from: folder).model.forward(reference.input)
        let want = try #require(reference.tensors["logits"]), b = try #require(bias)
        let vocab = b.count
        let unbiased = Tensor(shape: want.shape, scalars: want.scalars.enumerated().map { $0.element - b.scalars[$0.offset % vocab] })
        #expect(logits.maxAbsDifference(unbiased) <= 1e-4)
        #expect(b.scalars.contains { abs($0) > 0.01 })   // the bias is not zero, so the test can tell
    }

    // MARK: refused, in one line

    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let model: String
        let change: @Sendable (inout [String: Any], inout [String: Tensor]) -> Void
        let file: String
        let problem: String
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "qwen2 sliding window", model: "qwen2", change: { c, _ in c["use_sliding_window"] = true }, file: "config.json",
             problem: "field 'use_sliding_window' is true; attnlab runs Qwen2 with full attention in every layer"),
        Case(name: "unknown rope_type", model: "llama",
             change: { c, _ in c["rope_parameters"] = ["rope_type": "yarn", "rope_theta": 100.0, "factor": 4.0] }, file: "config.json",
             problem: "field 'rope_parameters.rope_type' is \"yarn\"; attnlab runs rotary positions unscaled (\"default\") or with \"llama3\" scaling"),
        Case(name: "t5 gated-silu", model: "t5-v1_1", change: { c, _ in c["feed_forward_proj"] = "gated-silu" }, file: "config.json",
             problem: "field 'feed_forward_proj' is \"gated-silu\"; attnlab runs T5's \"relu\" (v1.0) and \"gated-gelu\" (v1.1)"),
        Case(name: "bert relative positions", model: "bert", change: { c, _ in c["position_embedding_type"] = "relative_key" },
             file: "config.json", problem: "field 'position_embedding_type' is \"relative_key\"; attnlab runs BERT's absolute (learned) positions only"),
        Case(name: "missing field", model: "bert", change: { c, _ in c["hidden_size"] = nil }, file: "config.json",
             problem: "field 'hidden_size' is missing"),
        Case(name: "ill-typed field", model: "llama", change: { c, _ in c["num_key_value_heads"] = "two" }, file: "config.json",
             problem: "field 'num_key_value_heads' must be a whole number, not \"two\""),
        Case(name: "key/value heads that do not divide the heads", model: "llama", change: { c, _ in c["num_key_value_heads"] = 3 },
             file: "config.json", problem: "describes no model that can run: 4 heads are not divisible by 3 key/value heads"),
        Case(name: "stacks of different depths", model: "bart", change: { c, _ in c["decoder_layers"] = 3 }, file: "config.json",
             problem: "field 'decoder_layers' is 3, but encoder_layers is 2; attnlab's encoder and decoder have the same sizes"),
        Case(name: "ill-typed eos", model: "gpt2", change: { c, _ in c["eos_token_id"] = ["x"] }, file: "config.json",
             problem: "field 'eos_token_id' must be a whole number or a list of them, not x"),
        Case(name: "missing tensor", model: "llama", change: { _, t in t["model.layers.1.mlp.up_proj.weight"] = nil },
             file: "model.safetensors", problem: "tensor 'model.layers.1.mlp.up_proj.weight' is missing; config.json asks for one of shape [64, 32]"),
        Case(name: "extra tensor", model: "bert", change: { _, t in t["bert.encoder.layer.0.extra.weight"] = Tensor(zeros: [3]) },
             file: "model.safetensors", problem: "tensor 'bert.encoder.layer.0.extra.weight' has no place in the model config.json describes"),
        Case(name: "tensor of the wrong shape", model: "t5-v1_0",
             change: { _, t in t["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"] = Tensor(zeros: [4, 8]) },
             file: "model.safetensors",
             problem: "tensor 'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight' is [4, 8], but config.json makes it [8, 4]"),
        Case(name: "a copy that differs", model: "bart", change: { _, t in t["model.encoder.embed_tokens.weight"] = Tensor(zeros: [128, 32]) },
             file: "model.safetensors", problem: "tensor 'model.encoder.embed_tokens.weight' differs from 'model.shared.weight', which it should repeat"),
        Case(name: "t5 v1.0 with a head of its own", model: "t5-v1_0", change: { _, t in t["lm_head.weight"] = Tensor(zeros: [128, 32]) },
             file: "model.safetensors", problem: "tensor 'lm_head.weight' differs from 'shared.weight', but config.json scales a tied head, "
                + "which attnlab runs only tied; an untied head is not scaled"),
    ]

    @Test(arguments: cases)
    func aBadCheckpointIsNamedInOneLine(_ bad: Case) throws {
        let folder = try variant(bad.model, bad.name) { config, tensors, _ in bad.change(&config, &tensors) }
        do {
            _ = try Checkpoint.load(from: folder)
            Issue.record("\(bad.name): loaded without an error")
        } catch let error as CheckpointError {
            #expect(error.description == "\(folder.appendingPathComponent(bad.file).path): \(bad.problem)", "\(bad.name)")
            #expect(!error.description.contains("\n"))
        }
    }

    /// The untouched fixture loads: the refusals above come from the one change each makes.
    @Test func unchangedCopiesLoad() throws {
        for name in HuggingFaceReferenceTests.models { _ = try Checkpoint.load(from: try variant(name, "unchanged") { _, _, _ in }) }
    }
}

/// A tensor the test writes in a dtype attnlab does not read, as raw little-endian bytes.
typealias RawTensor = (dtype: String, shape: [Int], bytes: [UInt8])

/// A copy of Fixtures/hf/<name> in a temporary folder, its config.json and tensors changed by `change`.
func variant(_ name: String, _ label: String = #function,
             _ change: (inout [String: Any], inout [String: Tensor], inout [String: RawTensor]) throws -> Void) throws -> URL {
    let source = try hfFixtures().appendingPathComponent(name)
    let folder = try temporaryFolder("hf-\(name)-\(label)").appendingPathComponent(name)
    try FileManager.default.copyItem(at: source, to: folder)
    let configURL = folder.appendingPathComponent("config.json"), weightsURL = folder.appendingPathComponent("model.safetensors")
    var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
    var tensors = try SafeTensors.read(weightsURL)
    var raw: [String: RawTensor] = [:]
    try change(&config, &tensors, &raw)
    try JSONSerialization.data(withJSONObject: config).write(to: configURL)
    try safetensors(tensors, raw: raw).write(to: weightsURL)
    return folder
}

/// A safetensors file holding `tensors` as F32 and `raw` in their own dtypes.
func safetensors(_ tensors: [String: Tensor], raw: [String: RawTensor]) -> Data {
    var entries = tensors.mapValues { tensor -> RawTensor in
        ("F32", tensor.shape, tensor.scalars.withUnsafeBytes { Array($0) })
    }
    entries.merge(raw) { _, new in new }
    var header: [String: Any] = [:], body: [UInt8] = []
    for name in entries.keys.sorted() {
        let entry = entries[name]!   // ok: a key of the dictionary itself
        header[name] = ["dtype": entry.dtype, "shape": entry.shape, "data_offsets": [body.count, body.count + entry.bytes.count]]
        body += entry.bytes
    }
    let json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8)
    return Data(littleEndianBytes(Int64(json.count))) + json + Data(body)
}

func littleEndianBytes(_ value: Int64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
