import Foundation
import Testing
import TensorCore
import Transformer
@testable import Checkpoints

/// Broken checkpoint folders, each made from a good one by one change, and the one line that
/// `Checkpoint.load` must give: the file, then what is wrong with it.
@Suite struct BadCheckpointTests {
    /// (what is broken, the layout to start from, the change, the file named, the problem).
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let layout: Checkpoint.Layout
        let change: @Sendable (URL) throws -> Void
        let file: String
        let problem: String
        var description: String { name }
    }

    static let knownTypes = "\"gpt2\", \"attnlab\", \"bert\", \"t5\", \"bart\", \"llama\", \"qwen2\""

    static let cases: [Case] = [
        Case(name: "no folder", layout: .gpt2, change: { try FileManager.default.removeItem(at: $0) },
             file: "", problem: "no such model folder"),
        Case(name: "a file, not a folder", layout: .gpt2,
             change: { try FileManager.default.removeItem(at: $0); try Data().write(to: $0) },
             file: "", problem: "is a file, not a model folder; a model folder holds model.safetensors (or its shards) and config.json"),
        Case(name: "no config.json", layout: .gpt2, change: { try remove($0, "config.json") },
             file: "config.json", problem: "is missing: a checkpoint folder holds config.json, model.safetensors and tokenizer.json"),
        Case(name: "config.json is not JSON", layout: .gpt2, change: { try write($0, "config.json", "{\"n_embd\": 16,") },
             file: "config.json", problem: "is not valid JSON"),
        Case(name: "config.json is a list", layout: .gpt2, change: { try write($0, "config.json", "[16, 2]") },
             file: "config.json", problem: "must hold a JSON object of fields"),
        Case(name: "unknown model_type", layout: .gpt2, change: { try editConfig($0) { $0["model_type"] = "mamba" } },
             file: "config.json", problem: "field 'model_type' is \"mamba\"; attnlab reads \(knownTypes) checkpoints"),
        Case(name: "no model_type", layout: .gpt2, change: { try editConfig($0) { $0["model_type"] = nil } },
             file: "config.json", problem: "field 'model_type' is missing; attnlab reads \(knownTypes) checkpoints"),
        Case(name: "missing GPT-2 field", layout: .gpt2, change: { try editConfig($0) { $0["n_head"] = nil } },
             file: "config.json", problem: "field 'n_head' is missing"),
        Case(name: "GPT-2 field of the wrong type", layout: .gpt2, change: { try editConfig($0) { $0["n_layer"] = "two" } },
             file: "config.json", problem: "field 'n_layer' must be a whole number, not \"two\""),
        Case(name: "heads do not divide the width", layout: .gpt2, change: { try editConfig($0) { $0["n_head"] = 3 } },
             file: "config.json", problem: "describes no model that can run: width 16 is not divisible by 3 heads"),
        Case(name: "unknown activation", layout: .gpt2, change: { try editConfig($0) { $0["activation_function"] = "swish" } },
             file: "config.json", problem: "field 'activation_function' is \"swish\"; attnlab runs gelu_new, gelu_pytorch_tanh, gelu and relu"),
        Case(name: "attnlab object names another architecture", layout: .gpt2,
             change: { try editConfig($0) { $0["attnlab"] = ["architecture": "encoder-only"] } },
             file: "config.json", problem: "field 'attnlab.architecture' is \"encoder-only\", but GPT-2's layout holds a decoder-only model"),
        Case(name: "attnlab config: unknown architecture", layout: .attnlab,
             change: { try editConfig($0) { $0["architecture"] = "sideways" } },
             file: "config.json", problem: "field 'architecture' must be one of encoder-only, decoder-only, encoder-decoder, not \"sideways\""),
        Case(name: "no model.safetensors", layout: .gpt2, change: { try remove($0, "model.safetensors") },
             file: "model.safetensors", problem: "is missing: a model folder holds model.safetensors, or shards listed in model.safetensors.index.json"),
        Case(name: "model.safetensors is cut short", layout: .gpt2, change: { try write($0, "model.safetensors", "\u{10}\0\0\0\0\0\0\0{\"a\"") },
             file: "model.safetensors", problem: "safetensors header length 16 exceeds the 4 bytes after it"),
        Case(name: "a tensor is missing", layout: .gpt2, change: { try editTensors($0) { $0["transformer.h.1.ln_2.bias"] = nil } },
             file: "model.safetensors", problem: "tensor 'transformer.h.1.ln_2.bias' is missing; config.json asks for one of shape [16]"),
        Case(name: "an extra tensor", layout: .gpt2,
             change: { try editTensors($0) { $0["transformer.h.0.attn.extra"] = Tensor(zeros: [2]) } },
             file: "model.safetensors", problem: "tensor 'transformer.h.0.attn.extra' has no place in the model config.json describes"),
        Case(name: "a tensor of the wrong shape", layout: .gpt2,
             change: { try editTensors($0) { $0["transformer.h.0.attn.c_attn.weight"] = Tensor(zeros: [48, 16]) } },
             file: "model.safetensors", problem: "tensor 'transformer.h.0.attn.c_attn.weight' is [48, 16], but config.json makes it [16, 48]"),
        Case(name: "config asks for a layer the weights lack", layout: .gpt2, change: { try editConfig($0) { $0["n_layer"] = 3 } },
             file: "model.safetensors", problem: "tensor 'transformer.h.2.ln_1.weight' is missing; config.json asks for one of shape [16]"),
        Case(name: "config's vocabulary disagrees with the embedding", layout: .gpt2,
             change: { try editConfig($0) { $0["vocab_size"] = 31 } },
             file: "model.safetensors", problem: "tensor 'transformer.wte.weight' is [30, 16], but config.json makes it [31, 16]"),
        Case(name: "an lm_head that is not the tied embedding", layout: .gpt2,
             change: { try editTensors($0) { $0["lm_head.weight"] = Tensor(zeros: [30, 16]) } },
             file: "model.safetensors", problem: "tensor 'lm_head.weight' differs from 'transformer.wte.weight', but config.json ties them"),
        Case(name: "attnlab layout: a tensor is missing", layout: .attnlab,
             change: { try editTensors($0) { $0["encoder.1.self_attn.k.weight"] = nil } },
             file: "model.safetensors", problem: "tensor 'encoder.1.self_attn.k.weight' is missing; config.json asks for one of shape [16, 16]"),
        Case(name: "tokenizer.json is not JSON", layout: .gpt2, change: { try write($0, "tokenizer.json", "vocab: a b c") },
             file: "tokenizer.json", problem: "is not valid JSON"),
        Case(name: "tokenizer has more ids than the model", layout: .gpt2,
             change: { try write($0, "tokenizer.json", String(decoding: try CheckpointTokenizer(vocabulary: (0..<40).map { "w\($0)" }).json(), as: UTF8.self)) },
             file: "tokenizer.json", problem: "has ids up to 39, but config.json's vocabulary has 30 (ids 0...29)"),
    ]

    @Test(arguments: cases)
    func aBadFolderIsNamedInOneLine(_ bad: Case) throws {
        let folder = try temporaryFolder("bad-\(bad.name)").appendingPathComponent("ckpt")
        let architecture: Architecture = bad.layout == .gpt2 ? .decoderOnly : .encoderOnly
        try Checkpoint.save(model: try fullyRandomModel(architecture, fixtureConfig, seed: 5),
                            tokenizerJSON: try fixtureTokenizer.json(), to: folder)
        try bad.change(folder)
        let path = bad.file.isEmpty ? folder.path : folder.appendingPathComponent(bad.file).path
        do {
            _ = try Checkpoint.load(from: folder)
            Issue.record("\(bad.name): loaded without an error")
        } catch let error as CheckpointError {
            #expect(error.description == "\(path): \(bad.problem)", "\(bad.name)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func thereAreAtLeastTenBadFolders() { #expect(Self.cases.count >= 10) }
}

private func remove(_ folder: URL, _ file: String) throws {
    try FileManager.default.removeItem(at: folder.appendingPathComponent(file))
}

private func write(_ folder: URL, _ file: String, _ text: String) throws {
    try Data(text.utf8).write(to: folder.appendingPathComponent(file))
}

private func editConfig(_ folder: URL, _ change: (inout [String: Any]) -> Void) throws {
    let url = folder.appendingPathComponent("config.json")
    var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
    change(&object)
    try JSONSerialization.data(withJSONObject: object).write(to: url)
}

private func editTensors(_ folder: URL, _ change: (inout [String: Tensor]) -> Void) throws {
    let url = folder.appendingPathComponent("model.safetensors")
    var tensors = try SafeTensors.read(url)
    change(&tensors)
    try SafeTensors.encode(tensors).write(to: url, options: .atomic)
}
