import Foundation
import TensorCore
import Transformer

/// One Hugging Face model type (`model_type` in config.json) read onto attnlab's blocks: its
/// config.json as an architecture and a `ModelConfig`, and a table saying which tensor of
/// model.safetensors becomes which attnlab parameter (`TensorMapping`). `HuggingFaceLayout.weights`
/// does the rest the same way for every type: prefixes, tied copies, the check of every name and
/// shape, and the load. A new model type is one file that conforms.
protocol HuggingFaceAdapter {
    /// Reads config.json. A field that is missing or of the wrong type, or a setting attnlab cannot
    /// run, throws one line naming config.json and the field.
    init(_ file: JSONFile) throws
    var architecture: Architecture { get }
    /// The loader unties the head when the file holds one of its own (see `tiedHead`).
    var config: ModelConfig { get set }
    /// What a task model's file puts before the base model's names (`bert.` in BertForMaskedLM,
    /// `model.` in LlamaForCausalLM); a bare model's file has no prefix.
    static var basePrefix: String { get }
    /// Tensors of the file that are not weights attnlab runs (buffers such as
    /// `embeddings.position_ids` or `rotary_emb.inv_freq`, BERT's pooler): never read.
    static func isIgnored(_ name: String) -> Bool
    /// The output head and the embedding it is tied to when config.json ties them.
    func tiedHead(_ names: TensorNames) -> (head: String, embedding: String)?
    /// Tensors that repeat another (T5's and BART's `encoder.embed_tokens` of `shared`), dropped
    /// when equal to it; when only the copy is there it stands in for the original.
    func copies(_ names: TensorNames) -> [(copy: String, original: String)]
    /// Every tensor the model reads, in file order: the file's name and shape, and attnlab's name.
    func table(_ names: TensorNames) -> [TensorMapping]
    /// What `ModelWeights.zeros` does not make but the table fills: BERT's token types and head,
    /// BART's decoder tables, Qwen2's query, key and value biases.
    func addExtras(to weights: inout ModelWeights)
}

/// Spells a file's tensor names: the base model's names carry the file's prefix, the head's do not.
struct TensorNames {
    let prefix: String
    func base(_ name: String) -> String { prefix + name }
}

/// One tensor of a Hugging Face file and the attnlab parameter it becomes.
struct TensorMapping {
    let source: String
    let shape: [Int]
    let target: String
    /// The few lines of arithmetic a tensor needs on the way (BART's [1, vocab] logits bias to [vocab]).
    var convert: (@Sendable (Tensor) -> Tensor)? = nil
    /// Stands in when the file has no such tensor (BART's final_logits_bias, all zeros, which a
    /// bare BartModel lacks); nil: the tensor is required.
    var fallback: Tensor? = nil
}

/// Builds a table in the file's names: `add` applies the base prefix unless `head` is set.
struct TableBuilder {
    let names: TensorNames
    var mappings: [TensorMapping] = []

    init(_ names: TensorNames) { self.names = names }

    mutating func add(_ source: String, _ shape: [Int], _ target: String, head: Bool = false,
                      convert: (@Sendable (Tensor) -> Tensor)? = nil, fallback: Tensor? = nil) {
        mappings.append(TensorMapping(source: head ? source : names.base(source), shape: shape, target: target,
                                      convert: convert, fallback: fallback))
    }

    /// A linear layer [out, in] (PyTorch's nn.Linear orientation, attnlab's too), and its bias.
    mutating func linear(_ source: String, _ target: String, out: Int, in inputs: Int, bias: Bool, head: Bool = false) {
        add(source + ".weight", [out, inputs], target + ".weight", head: head)
        if bias { add(source + ".bias", [out], target + ".bias", head: head) }
    }

    /// A norm's scale [d], and its shift [d] for a layer norm with one.
    mutating func norm(_ source: String, _ target: String, width: Int, bias: Bool, head: Bool = false) {
        add(source + ".weight", [width], target + ".weight", head: head)
        if bias { add(source + ".bias", [width], target + ".bias", head: head) }
    }
}

enum HuggingFaceLayout {
    /// model.safetensors' tensors (ignored ones already left out) → the model's weights.
    /// `adapter.config` loses its tie when the file holds a head that differs from the embedding,
    /// as transformers does.
    static func weights<A: HuggingFaceAdapter>(_ adapter: inout A, _ file: [String: Tensor], folder: URL) throws -> ModelWeights {
        func problem(_ text: String) -> CheckpointError { CheckpointError(folder, Checkpoint.weightsFile, text) }
        let names = TensorNames(prefix: file.keys.contains { $0.hasPrefix(A.basePrefix) } ? A.basePrefix : "")
        var tensors = try renamingOldNormNames(file, problem: problem)

        for (copy, original) in adapter.copies(names) {
            guard let repeated = tensors.removeValue(forKey: copy) else { continue }
            if let kept = tensors[original] {
                guard kept == repeated else { throw problem("tensor '\(copy)' differs from '\(original)', which it should repeat") }
            } else {
                tensors[original] = repeated
            }
        }
        if adapter.config.tiedEmbeddings, let (head, embedding) = adapter.tiedHead(names), let own = tensors[head] {
            if own == tensors[embedding] {
                tensors[head] = nil
            } else if adapter.config.scaleTiedLogits {
                throw problem("tensor '\(head)' differs from '\(embedding)', but config.json scales a tied head, "
                              + "which attnlab runs only tied; an untied head is not scaled")
            } else {
                adapter.config.tiedEmbeddings = false   // the file's own head wins, as in transformers
            }
        }

        let table = adapter.table(names)
        for mapping in table where tensors[mapping.source] == nil {
            if let fallback = mapping.fallback { tensors[mapping.source] = fallback }
        }
        var expected = ExpectedTensors()
        for mapping in table { expected.add(mapping.source, mapping.shape) }
        try expected.check(tensors, folder: folder)

        var converted: [String: Tensor] = [:]
        for mapping in table {
            guard let tensor = tensors[mapping.source] else { continue }   // present: checked just above
            converted[mapping.target] = mapping.convert?(tensor) ?? tensor
        }
        var weights = ModelWeights.template(adapter.config, adapter.architecture)
        adapter.addExtras(to: &weights)
        do { try weights.load(converted) } catch {
            throw problem("does not fit attnlab's model (\(error))")   // a table that disagrees with the core
        }
        return weights
    }

    /// Old checkpoints (BERT converted from TensorFlow) name a layer norm's scale and shift
    /// `gamma` and `beta`; transformers reads them as `weight` and `bias`, and so does attnlab.
    private static func renamingOldNormNames(_ tensors: [String: Tensor], problem: (String) -> CheckpointError) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:], from: [String: String] = [:]
        for name in tensors.keys.sorted() {
            var new = name
            if name.hasSuffix(".gamma") { new = String(name.dropLast(6)) + ".weight" }
            if name.hasSuffix(".beta") { new = String(name.dropLast(5)) + ".bias" }
            if let earlier = from[new] { throw problem("tensors '\(earlier)' and '\(name)' are the same weight under two names") }
            from[new] = name
            out[new] = tensors[name]
        }
        return out
    }
}

extension JSONFile {
    /// An activation by transformers' name (`hidden_act`, `activation_function`).
    func activation(_ key: String, default fallback: String) throws -> Activation {
        switch try string(key, default: fallback) {
        case "gelu": return .geluExact
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": return .geluTanh
        case "relu": return .relu
        case "silu", "swish": return .silu
        case let other:
            throw problem(key, "is \"\(other)\"; attnlab runs gelu, gelu_new, gelu_pytorch_tanh, relu and silu")
        }
    }

    /// A field that must equal another of the same file, because attnlab's two stacks share one
    /// size (BART's `decoder_layers` and `encoder_layers`).
    func int(_ key: String, sameAs other: String, value: Int) throws -> Int {
        let found = try int(key, default: value)
        guard found == value else {
            throw problem(key, "is \(found), but \(name(other)) is \(value); attnlab's encoder and decoder have the same sizes")
        }
        return found
    }
}
