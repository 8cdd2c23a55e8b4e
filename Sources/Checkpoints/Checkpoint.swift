import Foundation
import TensorCore
import Transformer

/// A model on disk: a folder holding `config.json`, `model.safetensors` and `tokenizer.json`.
///
/// A GPT-2-flavoured decoder-only model (the toy presets' decoder) is written in Hugging Face's
/// GPT-2 layout, so `GPT2LMHeadModel.from_pretrained(folder)` reads it; every other model in
/// attnlab's own layout (`ConfigFile` and `ModelWeights.visit` names). `load` reads both, and
/// Hugging Face's bert, t5, bart, llama and qwen2 folders too (config.json's `model_type` picks
/// the adapter, one file each: `BERTAdapter`, `T5Adapter`, `BARTAdapter`, `LlamaAdapter`), and
/// says in one line which file and which field or tensor is wrong when it cannot.
///
/// The self-attention mask is not part of a checkpoint: it is a choice made when the model runs.
public enum Checkpoint {
    public static let configFile = "config.json"
    public static let weightsFile = "model.safetensors"
    public static let tokenizerFile = "tokenizer.json"

    /// How the files name and arrange things: `model_type` in config.json.
    public enum Layout: String, Sendable, CaseIterable {
        /// Hugging Face's GPT-2 (`model_type: "gpt2"`, `transformer.h.0.attn.c_attn.weight`).
        case gpt2
        /// attnlab's own (`model_type: "attnlab"`, `decoder.0.self_attn.q.weight`).
        case attnlab
        /// Hugging Face's BERT, T5, BART, Llama and Qwen2, read through their adapters (read only).
        case bert, t5, bart, llama, qwen2

        /// The adapter that reads a Hugging Face model type; nil for gpt2 and attnlab.
        var adapter: (any HuggingFaceAdapter.Type)? {
            switch self {
            case .gpt2, .attnlab: nil
            case .bert: BERTAdapter.self
            case .t5: T5Adapter.self
            case .bart: BARTAdapter.self
            case .llama, .qwen2: LlamaAdapter.self
            }
        }
    }

    /// The layout `save` writes a model in.
    public static func layout(for architecture: Architecture, _ config: ModelConfig) -> Layout {
        GPT2Layout.fits(architecture, config) ? .gpt2 : .attnlab
    }

    // MARK: saving

    /// Writes `model` (and `tokenizerJSON`, a tokenizer.json's text, when given) as a checkpoint
    /// folder, all or nothing: the files are written into a scratch folder beside `folder` that is
    /// then renamed to it, replacing an earlier checkpoint there. `scratch` hears of the scratch
    /// folder when it is made (true) and gone (false), so a caller can remove it on Ctrl-C.
    /// `extra` files (a training record, pictures) go into the same folder, in the same swap.
    public static func save(model: TransformerModel, tokenizerJSON: Data?, extra: [(name: String, data: Data)] = [],
                            to folder: URL, scratch: ((URL, Bool) -> Void)? = nil) throws {
        try FolderWriter.replace(folder, with: try files(model: model, tokenizerJSON: tokenizerJSON, folder: folder) + extra,
                                 scratch: scratch)
    }

    /// Copies the checkpoint in `source` — its config.json, model.safetensors and tokenizer.json, and
    /// those of the `extra` names it holds — into `folder`, all or nothing, as `save` writes.
    public static func copy(from source: URL, to folder: URL, extra: Set<String> = [],
                            scratch: ((URL, Bool) -> Void)? = nil) throws {
        var files: [(name: String, data: Data)] = []
        for name in [configFile, weightsFile, tokenizerFile] + extra.sorted() {
            let url = source.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            do { files.append((name, try Data(contentsOf: url))) } catch {
                throw CheckpointError(path: url.path, problem: "cannot be read (\(error.localizedDescription))")
            }
        }
        try FolderWriter.replace(folder, with: files, scratch: scratch)
    }

    /// Refuses, before any work, a `folder` that a save with `extra` file names could not replace:
    /// a file, or a folder holding anything attnlab did not write.
    public static func checkReplaceable(_ folder: URL, extra: Set<String> = []) throws {
        try FolderWriter.checkReplaceable(folder, names: extra)
    }

    /// The checkpoint's files and their contents, every one made before anything is written.
    static func files(model: TransformerModel, tokenizerJSON: Data?, folder: URL) throws -> [(name: String, data: Data)] {
        // attnlab's layout describes the models attnlab builds, whose every tensor its config.json
        // implies; what only a Hugging Face file has (token types, BERT's head transform, BART's
        // decoder tables, Qwen2's q/k/v biases) stays there.
        let implied = ModelWeights.template(model.config, model.architecture).parameterShapes
        guard implied.map(\.name) == model.weights.parameterShapes.map(\.name) else {
            throw CheckpointError(folder, weightsFile, "would hold weights attnlab's layout has no place for "
                                  + "(a model read from a Hugging Face checkpoint): keep using the checkpoint it came from")
        }
        var tokenizer: CheckpointTokenizer?
        if let tokenizerJSON {
            guard (try? JSONSerialization.jsonObject(with: tokenizerJSON)) is [String: Any] else {
                throw CheckpointError(folder, tokenizerFile, "would not be a JSON object: the tokenizer text given is not one")
            }
            tokenizer = try? CheckpointTokenizer(json: tokenizerJSON)
        }
        let config: Data, tensors: [String: Tensor]
        switch layout(for: model.architecture, model.config) {
        case .gpt2:
            let object = GPT2Layout.configObject(model.config, bos: tokenizer?.id(BuiltinTokenizer.beginning),
                                                 eos: tokenizer?.id(BuiltinTokenizer.end))
            config = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            tensors = try GPT2Layout.tensors(model.weights)
        default:   // attnlab's own: `layout(for:)` writes no other
            config = try NativeLayout.configData(model.architecture, model.config)
            tensors = NativeLayout.tensors(model.weights)
        }
        // "format": "pt" is what transformers looks for in a safetensors file's metadata.
        var files = [(configFile, config), (weightsFile, SafeTensors.encode(tensors, metadata: ["format": "pt"]))]
        if let tokenizerJSON { files.append((tokenizerFile, tokenizerJSON)) }
        return files
    }

    // MARK: loading

    /// Reads a checkpoint folder: the model, tokenizer.json's text (nil when the folder has none;
    /// the model then runs on ids, labelled with their numbers) and the special ids generation
    /// needs. Any problem throws a `CheckpointError` naming the file and the field or tensor.
    public static func load(from given: URL) throws -> LoadedCheckpoint {
        let folder = try ModelFolder.resolve(given)
        let found = try readModel(from: folder)
        var config = found.config
        var weights = ModelWeights.template(config, found.architecture)
        switch found.reader {
        case .gpt2:
            var tensors = try ModelFolder.readTensors(folder, skipping: GPT2Layout.isBuffer)
            tensors = try GPT2Layout.normalised(tensors, config, folder: folder)
            try GPT2Layout.expected(config).check(tensors, folder: folder)
            try load(&weights, GPT2Layout.attnlabTensors(&tensors, config), folder: folder)
        case .attnlab:
            let tensors = try ModelFolder.readTensors(folder)
            try NativeLayout.expected(weights).check(tensors, folder: folder)
            try load(&weights, tensors, folder: folder)
        case .huggingFace(var adapter):
            let ignored = type(of: adapter).isIgnored
            weights = try HuggingFaceLayout.weights(&adapter, ModelFolder.readTensors(folder, skipping: ignored), folder: folder)
            config = adapter.config
        }
        let model = try TransformerModel(architecture: found.architecture, config: config, weights: weights)
        let ids = try SpecialIDs.read(config: found.file, folder: folder, encoderDecoder: found.architecture == .encoderDecoder,
                                      modelType: found.layout.rawValue)
        return LoadedCheckpoint(model: model, tokenizerJSON: try readTokenizer(folder, vocabularySize: config.vocabularySize),
                                specialIDs: ids, layout: found.layout)
    }

    private static func load(_ weights: inout ModelWeights, _ tensors: [String: Tensor], folder: URL) throws {
        do { try weights.load(tensors) } catch {
            throw CheckpointError(folder, weightsFile, "\(error)")   // not expected after the checks before it
        }
    }

    /// Reads config.json alone: which architecture and configuration the checkpoint holds, and in
    /// which layout. Cheap, so a caller can check a model's size before loading its weights. (A
    /// Hugging Face file whose tied head turns out to be a head of its own loads untied.)
    public static func readConfig(from given: URL) throws -> (architecture: Architecture, config: ModelConfig, layout: Layout) {
        let found = try readModel(from: try ModelFolder.resolve(given))
        return (found.architecture, found.config, found.layout)
    }

    /// What reads the weights once config.json is understood.
    private enum Reader {
        case gpt2, attnlab
        case huggingFace(any HuggingFaceAdapter)
    }

    private static func readModel(from folder: URL)
        throws -> (file: JSONFile, architecture: Architecture, config: ModelConfig, layout: Layout, reader: Reader) {
        try checkFolder(folder)
        let file = try JSONFile.read(configFile, in: folder, missing: "is missing: \(contents)")
        let layout = try modelType(file)
        let result: (Architecture, ModelConfig, Reader)
        switch layout {
        case .gpt2:
            result = (.decoderOnly, try GPT2Layout.config(file), .gpt2)
        case .attnlab:
            let (architecture, config) = try NativeLayout.config(file.data, folder: folder)
            result = (architecture, config, .attnlab)
        default:
            guard let adapterType = layout.adapter else { throw file.problem("model_type", "has no reader") }
            let adapter = try adapterType.init(file)
            result = (adapter.architecture, adapter.config, .huggingFace(adapter))
        }
        if let problem = result.1.problems.first {
            throw CheckpointError(folder, configFile, "describes no model that can run: \(problem)")
        }
        return (file, result.0, result.1, layout, result.2)
    }

    static let contents = "a checkpoint folder holds config.json, model.safetensors and tokenizer.json"

    private static func checkFolder(_ folder: URL) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) else {
            throw CheckpointError(path: folder.path, problem: "no such checkpoint folder")
        }
        guard isFolder.boolValue else {
            throw CheckpointError(path: folder.path, problem: "is a file; \(contents)")
        }
    }

    /// The layout config.json's `model_type` names. A config.json that `ConfigFile` wrote on its
    /// own has no model_type but an architecture, and is attnlab's.
    private static func modelType(_ file: JSONFile) throws -> Layout {
        let known = Layout.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        guard file.has("model_type") else {
            if file.has("architecture") { return .attnlab }
            throw file.problem("model_type", "is missing; attnlab reads \(known) checkpoints")
        }
        let type = try file.string("model_type")
        guard let layout = Layout(rawValue: type) else {
            throw file.problem("model_type", "is \"\(type)\"; attnlab reads \(known) checkpoints")
        }
        return layout
    }

    /// tokenizer.json's text, or nil when there is none. It must be a JSON object; a word-level
    /// tokenizer's ids must also fit the model's vocabulary.
    private static func readTokenizer(_ folder: URL, vocabularySize: Int) throws -> Data? {
        let url = folder.appendingPathComponent(tokenizerFile)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data = try JSONFile.read(tokenizerFile, in: folder, missing: "is missing").data
        if let words = try? CheckpointTokenizer(json: data), words.vocabularySize > vocabularySize {
            throw CheckpointError(folder, tokenizerFile, "has ids up to \(words.vocabularySize - 1), "
                                  + "but config.json's vocabulary has \(vocabularySize) (ids 0...\(vocabularySize - 1))")
        }
        return data
    }
}

/// What `Checkpoint.load` reads from a folder.
public struct LoadedCheckpoint: Sendable {
    public let model: TransformerModel
    /// tokenizer.json's text, nil when the folder has none.
    public let tokenizerJSON: Data?
    /// bos, eos, pad and the decoder's start, from config.json and generation_config.json.
    public let specialIDs: SpecialIDs
    /// How the folder's files were laid out (its config.json's `model_type`).
    public let layout: Checkpoint.Layout
}
