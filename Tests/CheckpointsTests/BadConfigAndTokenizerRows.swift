import Foundation
@testable import Checkpoints

/// Rows of the bad-file table for config.json and tokenizer.json: the tiny random BERT fixture
/// (128 ids) with one thing wrong.
extension BadModelFileTests {
    /// The fixture BERT copied into `folder`, its config.json edited by `edit` and, when given,
    /// `tokenizer` written as its tokenizer.json.
    static func bert(editing edit: @escaping @Sendable (inout [String: Any]) -> Void = { _ in },
                     tokenizer: String? = nil) -> @Sendable (URL) throws -> URL {
        { folder in
            let model = folder.appendingPathComponent("bert")
            try FileManager.default.copyItem(at: try fixtures().appendingPathComponent("hf/bert"), to: model)
            let configURL = model.appendingPathComponent("config.json")
            var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any] ?? [:]
            edit(&config)
            try JSONSerialization.data(withJSONObject: config).write(to: configURL)
            if let tokenizer { try Data(tokenizer.utf8).write(to: model.appendingPathComponent("tokenizer.json")) }
            return model
        }
    }

    /// The fixture BERT with its file `name` replaced by a FIFO, which a reader would wait on for ever.
    static func bert(withFIFOAs name: String) -> @Sendable (URL) throws -> URL {
        { folder in
            let model = try bert()(folder)
            try FileManager.default.removeItem(at: model.appendingPathComponent(name))
            guard mkfifo(model.appendingPathComponent(name).path, 0o600) == 0 else { throw CocoaError(.fileWriteUnknown) }
            return model
        }
    }

    /// A small tokenizer.json of `model` (the JSON of its "model" field).
    static func tokenizerJSON(_ model: String) -> String {
        #"{"version": "1.0", "added_tokens": [], "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "#
            + #""post_processor": null, "decoder": null, "model": \#(model)}"#
    }

    static let configRows: [Row] = [
        Row(name: "unknown model_type", make: bert { $0["model_type"] = "mamba" }, load: .config, file: "config.json",
            fragment: "field 'model_type' is \"mamba\"; attnlab reads"),
        Row(name: "model_type missing", make: bert { $0["model_type"] = nil }, load: .config, file: "config.json",
            fragment: "field 'model_type' is missing"),
        Row(name: "hidden_size missing", make: bert { $0["hidden_size"] = nil }, load: .config, file: "config.json",
            fragment: "hidden_size"),
        Row(name: "num_attention_heads not a number", make: bert { $0["num_attention_heads"] = "twelve" }, load: .config,
            file: "config.json", fragment: "num_attention_heads"),
        Row(name: "relative positions in BERT", make: bert { $0["position_embedding_type"] = "relative_key" }, load: .config,
            file: "config.json", fragment: "position_embedding_type"),
        Row(name: "heads that do not divide the width", make: bert { $0["num_attention_heads"] = 5 }, load: .config,
            file: "config.json", fragment: "describes no model that can run"),
        Row(name: "a negative norm epsilon", make: bert { $0["layer_norm_eps"] = -1.0 }, load: .config, file: "config.json",
            fragment: "epsilon must be a finite number of at least 0"),
        Row(name: "config.json is a FIFO", make: bert(withFIFOAs: "config.json"), load: .config, file: "config.json",
            fragment: "is not a regular file"),
        Row(name: "model.safetensors is a FIFO", make: bert(withFIFOAs: "model.safetensors"), load: .tokenizer,
            file: "model.safetensors", fragment: "is not a regular file"),
        Row(name: "a vocabulary past the weights", make: bert { $0["vocab_size"] = 129 }, load: .tokenizer,
            file: "model.safetensors", fragment: "word_embeddings"),
    ]

    static let tokenizerRows: [Row] = [
        Row(name: "tokenizer.json not JSON", make: bert(tokenizer: "{\"model\": "), load: .tokenizer, file: "tokenizer.json",
            fragment: "is not valid JSON"),
        Row(name: "unknown tokenizer model kind",
            make: bert(tokenizer: tokenizerJSON(#"{"type": "Mystery", "vocab": {"a": 0}}"#)),
            load: .tokenizer, file: "tokenizer.json", fragment: "Mystery"),
        Row(name: "a merges line that is not a pair",
            make: bert(tokenizer: tokenizerJSON(#"{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["ab"]}"#)),
            load: .tokenizer, file: "tokenizer.json", fragment: "merges"),
        Row(name: "tokenizer ids past the model's vocabulary",
            make: bert(tokenizer: tokenizerJSON(#"{"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "#
                                                + (1...500).map { #""t\#($0)": \#($0)"# }.joined(separator: ", ") + "}}")),
            load: .tokenizer, file: "tokenizer.json", fragment: "has ids up to 500, but config.json's vocabulary has 128"),
        Row(name: "a negative tokenizer id",
            make: bert(tokenizer: tokenizerJSON(#"{"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "bank": -1}}"#)),
            load: .tokenizer, file: "tokenizer.json", fragment: "vocab"),
    ]
}
