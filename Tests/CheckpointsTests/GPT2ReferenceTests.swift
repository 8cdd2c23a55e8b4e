import Foundation
import Testing
import TensorCore
import Transformer
@testable import Checkpoints

/// attnlab's reading of a checkpoint it wrote against Hugging Face transformers' reading of the same
/// folder: Fixtures/gpt2-tiny was written by `writeTheFixtureCheckpoint` below, and
/// Fixtures/make_gpt2_checkpoint.py loaded it with `GPT2LMHeadModel.from_pretrained` and ran it
/// (eager attention, float32) into Fixtures/gpt2-tiny-expected.safetensors. No Python runs here.
@Suite struct GPT2ReferenceTests {
    /// The ids the script runs: `<bos> c a f e b …`.
    static let ids = [2, 6, 4, 9, 8, 5, 21, 12, 27, 3, 14, 2]

    @Test func logitsAndPatternsMatchTransformers() throws {
        let folder = try fixtures()
        let loaded = try Checkpoint.load(from: folder.appendingPathComponent("gpt2-tiny"))
        let (model, tokenizerJSON) = (loaded.model, loaded.tokenizerJSON)
        let (expected, metadata) = try SafeTensors.decodeWithMetadata(
            Data(contentsOf: folder.appendingPathComponent("gpt2-tiny-expected.safetensors")))
        #expect(metadata["input_ids"] == Self.ids.map(String.init).joined(separator: " "))

        let tracer = Tracer()
        let logits = try model.forward(ModelInput(decoder: Self.ids), pass: Pass(hooks: .recording(tracer, pattern: "*.pattern")))
        var worst: Float = 0
        let want = try #require(expected["logits"])
        worst = max(worst, logits.maxAbsDifference(want))
        for layer in 0..<model.config.layers {
            let got = try #require(tracer["decoder.\(layer).self_attn.pattern"]).tensor
            worst = max(worst, got.maxAbsDifference(try #require(expected["attentions.\(layer)"])))
        }
        #expect(worst <= 1e-4, "max |Δ| against transformers: \(worst)")
        print("GPT2ReferenceTests: max |Δ| against transformers \(worst)")

        // The tokenizers library split "c a f e b" into the same ids.
        let tokenizer = try CheckpointTokenizer(json: try #require(tokenizerJSON))
        let ours = tokenizer.tokenize(metadata["text"] ?? "").map { String($0.id) }.joined(separator: " ")
        #expect(ours == metadata["text_ids"])
    }

    /// The same model as transformers' save_pretrained wrote it (its own config.json with every
    /// GPT2Config field, a generation_config.json, no tokenizer): the very same weights.
    @Test func aCheckpointTransformersSavedLoadsIntoTheSameWeights() throws {
        let folder = try fixtures()
        let ours = try Checkpoint.load(from: folder.appendingPathComponent("gpt2-tiny")).model
        let theirs = try Checkpoint.load(from: folder.appendingPathComponent("gpt2-tiny-hf"))
        #expect(theirs.tokenizerJSON == nil)
        #expect(theirs.model.config == ours.config)
        #expect(parameters(theirs.model) == parameters(ours))
    }

    /// Writes Fixtures/gpt2-tiny (run with ATTNLAB_UPDATE_CHECKPOINT_FIXTURE=1, then run the
    /// script). Otherwise checks the committed folder is what this code writes, byte for byte.
    @Test func writeTheFixtureCheckpoint() throws {
        let model = try fullyRandomModel(.decoderOnly, fixtureConfig, seed: 2024)
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/gpt2-tiny")
        if ProcessInfo.processInfo.environment["ATTNLAB_UPDATE_CHECKPOINT_FIXTURE"] == "1" {
            try Checkpoint.save(model: model, tokenizerJSON: try fixtureTokenizer.json(), to: source)
        }
        let committed = try fixtures().appendingPathComponent("gpt2-tiny")
        let files = try Checkpoint.files(model: model, tokenizerJSON: try fixtureTokenizer.json(), folder: committed)
        for (name, data) in files {
            #expect(try Data(contentsOf: committed.appendingPathComponent(name)) == data, "\(name) differs from what attnlab writes")
        }
    }
}
