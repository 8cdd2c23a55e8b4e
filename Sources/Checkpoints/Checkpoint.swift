import Foundation
import TensorCore
import Transformer

/// A model on disk: a folder holding `config.json`, `model.safetensors` and `tokenizer.json`.
///
/// A GPT-2-flavoured decoder-only model (the toy presets' decoder) is written in Hugging Face's
/// GPT-2 layout, so `GPT2LMHeadModel.from_pretrained(folder)` reads it; every other model in
/// attnlab's own layout (`ConfigFile` and `ModelWeights.visit` names). `load` reads both, and
/// says in one line which file and which field or tensor is wrong when it cannot.
///
/// The self-attention mask is not part of a checkpoint: it is a choice made when the model runs.
public enum Checkpoint {
    public static let configFile = "config.json"
    public static let weightsFile = "model.safetensors"
    public static let tokenizerFile = "tokenizer.json"

    /// How the files name and arrange things.
    public enum Layout: String, Sendable {
        /// Hugging Face's GPT-2 (`model_type: "gpt2"`, `transformer.h.0.attn.c_attn.weight`).
        case gpt2
        /// attnlab's own (`model_type: "attnlab"`, `decoder.0.self_attn.q.weight`).
        case attnlab
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

    /// Refuses, before any work, a `folder` that a save with `extra` file names could not replace:
    /// a file, or a folder holding anything attnlab did not write.
    public static func checkReplaceable(_ folder: URL, extra: Set<String> = []) throws {
        try FolderWriter.checkReplaceable(folder, names: extra)
    }

    /// The checkpoint's files and their contents, every one made before anything is written.
    static func files(model: TransformerModel, tokenizerJSON: Data?, folder: URL) throws -> [(name: String, data: Data)] {
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
        case .attnlab:
            config = try NativeLayout.configData(model.architecture, model.config)
            tensors = NativeLayout.tensors(model.weights)
        }
        // "format": "pt" is what transformers looks for in a safetensors file's metadata.
        var files = [(configFile, config), (weightsFile, SafeTensors.encode(tensors, metadata: ["format": "pt"]))]
        if let tokenizerJSON { files.append((tokenizerFile, tokenizerJSON)) }
        return files
    }

    // MARK: loading

    /// Reads a checkpoint folder: the model, and tokenizer.json's text (nil when the folder has
    /// none; the model then runs on ids, labelled with their numbers). Any problem throws a
    /// `CheckpointError` naming the file and the field or tensor.
    public static func load(from folder: URL) throws -> (model: TransformerModel, tokenizerJSON: Data?) {
        let (architecture, config, layout) = try readConfig(from: folder)
        var weights = ModelWeights.zeros(config, architecture)
        var tensors = try readTensors(folder)
        switch layout {
        case .gpt2:
            tensors = try GPT2Layout.normalised(tensors, config, folder: folder)
            try GPT2Layout.expected(config).check(tensors, folder: folder)
            tensors = GPT2Layout.attnlabTensors(tensors, config)
        case .attnlab:
            try NativeLayout.expected(weights).check(tensors, folder: folder)
        }
        do { try weights.load(tensors) } catch {
            throw CheckpointError(folder, weightsFile, "\(error)")   // not expected after the check above
        }
        let model = try TransformerModel(architecture: architecture, config: config, weights: weights)
        return (model, try readTokenizer(folder, vocabularySize: config.vocabularySize))
    }

    /// Reads config.json alone: which architecture and configuration the checkpoint holds, and in
    /// which layout. Cheap, so a caller can check a model's size before loading its weights.
    public static func readConfig(from folder: URL) throws -> (architecture: Architecture, config: ModelConfig, layout: Layout) {
        try checkFolder(folder)
        let file = try JSONFile.read(configFile, in: folder, missing: "is missing: \(contents)")
        let result: (Architecture, ModelConfig, Layout)
        switch try modelType(file) {
        case "gpt2":
            result = (.decoderOnly, try GPT2Layout.config(file), .gpt2)
        default:
            let (architecture, config) = try NativeLayout.config(file.data, folder: folder)
            result = (architecture, config, .attnlab)
        }
        if let problem = result.1.problems.first {
            throw CheckpointError(folder, configFile, "describes no model that can run: \(problem)")
        }
        return result
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

    /// "gpt2" or "attnlab". A config.json that `ConfigFile` wrote on its own has no model_type but
    /// an architecture, and is attnlab's.
    private static func modelType(_ file: JSONFile) throws -> String {
        guard file.has("model_type") else {
            if file.has("architecture") { return NativeLayout.modelType }
            throw file.problem("model_type", "is missing; attnlab reads \"gpt2\" and \"attnlab\" checkpoints")
        }
        let type = try file.string("model_type")
        guard type == "gpt2" || type == NativeLayout.modelType else {
            throw file.problem("model_type", "is \"\(type)\"; attnlab reads \"gpt2\" and \"attnlab\" checkpoints")
        }
        return type
    }

    private static func readTensors(_ folder: URL) throws -> [String: Tensor] {
        let url = folder.appendingPathComponent(weightsFile)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CheckpointError(folder, weightsFile, "is missing: \(contents)")
        }
        do { return try SafeTensors.read(url) } catch let error as SafeTensors.FormatError {
            throw CheckpointError(folder, weightsFile, error.description)
        } catch {
            throw CheckpointError(folder, weightsFile, "cannot be read (\(error.localizedDescription))")
        }
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
