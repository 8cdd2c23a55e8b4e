import Foundation
import Testing
import Experiments
import TensorCore
import Transformer
@testable import Checkpoints

/// Hugging Face checkpoints of every model type attnlab reads, against what transformers computes
/// with them. Fixtures/hf/<name>/ was written by transformers' save_pretrained and
/// Fixtures/hf/<name>-expected.safetensors holds transformers' attention patterns (under attnlab's
/// hook names), logits and greedy tokens for the same ids; Fixtures/make_hf_models.py made both.
@Suite struct HuggingFaceReferenceTests {
    static let models = ["bert", "gpt2", "t5-v1_0", "t5-v1_1", "bart", "llama", "qwen2"]
    static let generating = ["gpt2", "t5-v1_0", "t5-v1_1", "bart"]

    @Test(arguments: models)
    func everyPatternAndTheLogitsMatchTransformers(_ name: String) throws {
        let loaded = try Checkpoint.load(from: try hfFixtures().appendingPathComponent(name))
        let expected = try Reference(name)
        let result = try compare(loaded.model, expected)
        print("HuggingFaceReferenceTests: \(name): max |Δ| patterns \(result.patterns), logits \(result.output)")
        #expect(result.patterns <= 1e-4, "\(name): patterns differ from transformers by up to \(result.patterns)")
        #expect(result.output <= 1e-4, "\(name): logits differ from transformers by up to \(result.output)")
    }

    /// attnlab's own generation (the code `attnlab generate` runs, with and without the KV cache)
    /// from the start transformers used, stopping at the checkpoint's eos, chooses the same tokens.
    @Test(arguments: generating)
    func greedyGenerationChoosesTransformersTokens(_ name: String) throws {
        let loaded = try Checkpoint.load(from: try hfFixtures().appendingPathComponent(name))
        let expected = try Reference(name)
        let start = try expected.ids("generate.prompt"), want = try expected.ids("generate.tokens")
        let model = loaded.model
        var input = ModelInput(decoder: start)
        if model.architecture == .encoderDecoder {
            // The decoder starts where config.json says (T5: pad 0; BART: decoder_start_token_id 2).
            #expect([try #require(loaded.specialIDs.decoderStart)] == start)
            input.encoder = try expected.ids("encoder.ids")
        }
        let trace = try GenerationTrace(model, input: input, steps: 8, stopAt: loaded.specialIDs.stop,
                                        labels: [:], label: { String($0) })
        #expect(trace.cachedTokens == want, "\(name): attnlab chose \(trace.cachedTokens), transformers \(want)")
        #expect(trace.uncachedTokens == want)
    }

    @Test func eachFolderSaysItsLayoutAndSpecialIDs() throws {
        let folder = try hfFixtures()
        let expected: [String: (Checkpoint.Layout, SpecialIDs)] = [
            "bert": (.bert, SpecialIDs(pad: 0)),
            "gpt2": (.gpt2, SpecialIDs(bos: 1, eos: [2])),
            "t5-v1_0": (.t5, SpecialIDs(eos: [1], pad: 0, decoderStart: 0)),
            "t5-v1_1": (.t5, SpecialIDs(eos: [1], pad: 0, decoderStart: 0)),
            "bart": (.bart, SpecialIDs(bos: 0, eos: [2], pad: 1, decoderStart: 2)),
            "llama": (.llama, SpecialIDs(bos: 1, eos: [2])),
            "qwen2": (.qwen2, SpecialIDs(bos: 1, eos: [2])),
        ]
        for (name, (layout, ids)) in expected {
            let loaded = try Checkpoint.load(from: folder.appendingPathComponent(name))
            #expect(loaded.layout == layout, "\(name)")
            #expect(loaded.specialIDs == ids, "\(name)")
            #expect(loaded.tokenizerJSON == nil, "\(name)")
            #expect(try Checkpoint.readConfig(from: folder.appendingPathComponent(name)).layout == layout)
        }
    }

    /// What each adapter made of its config.json, beyond what the numbers above check.
    @Test func theConfigurationsAreTheModelTypesOwn() throws {
        let folder = try hfFixtures()
        func config(_ name: String) throws -> ModelConfig { try Checkpoint.load(from: folder.appendingPathComponent(name)).model.config }
        let t5v10 = try config("t5-v1_0"), t5v11 = try config("t5-v1_1")
        #expect(t5v10.headWidth == 6 && t5v10.attentionWidth == 24 && t5v10.width == 32)
        #expect(t5v10.tiedEmbeddings && t5v10.scaleTiedLogits && !t5v10.gatedMLP && t5v10.activation == .relu)
        #expect(!t5v11.tiedEmbeddings && !t5v11.scaleTiedLogits && t5v11.gatedMLP && t5v11.activation == .geluTanh)
        let llama = try config("llama"), qwen2 = try config("qwen2")
        #expect(llama.kvHeads == 2 && llama.heads == 4 && !llama.tiedEmbeddings)
        #expect(llama.positions == .rotary(base: 100, scaling: .llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4,
                                                                      originalMaxPositions: 32)))
        #expect(qwen2.positions == .rotary(base: 10_000, scaling: nil) && qwen2.tiedEmbeddings && qwen2.kvHeads == 2)
        let bart = try config("bart"), bert = try config("bert")
        #expect(bart.positionOffset == 2 && abs(bart.embeddingScale - Float(32).squareRoot()) < 1e-6 && bart.normPlacement == .post)
        #expect(bert.hasHead && bert.normPlacement == .post && bert.activation == .geluExact && bert.embeddingNorm)
        let qwenWeights = try Checkpoint.load(from: folder.appendingPathComponent("qwen2")).model.weights
        let block = try #require(qwenWeights.decoder?.blocks.first)
        #expect(block.selfAttention.query.bias != nil && block.selfAttention.key.bias != nil)
        #expect(block.selfAttention.output.bias == nil && block.mlp.up.bias == nil)
    }

    // MARK: all-MiniLM-L6-v2, a real bare BertModel

    /// The folder of all-MiniLM-L6-v2: $ATTNLAB_MINILM, else Output/models/ of the package; nil
    /// when neither holds it (the test is then skipped).
    static let miniLM: URL? = {
        let environment = ProcessInfo.processInfo.environment["ATTNLAB_MINILM"]
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = environment.map { URL(fileURLWithPath: $0) } ?? root.appendingPathComponent("Output/models/all-MiniLM-L6-v2")
        return FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) ? folder : nil
    }()

    @Test(.enabled(if: miniLM != nil, "all-MiniLM-L6-v2 is not here: set ATTNLAB_MINILM or put it in Output/models/"))
    func miniLMsPatternsAndHiddenStatesMatchTransformers() throws {
        let loaded = try Checkpoint.load(from: try #require(Self.miniLM))
        #expect(loaded.layout == .bert && !loaded.model.config.hasHead && loaded.model.config.layers == 6)
        let expected = try Reference("minilm")
        let result = try compare(loaded.model, expected)
        print("HuggingFaceReferenceTests: all-MiniLM-L6-v2: max |Δ| patterns \(result.patterns), hidden states \(result.output)")
        #expect(result.patterns <= 1e-4)
        #expect(result.output <= 1e-4)
    }

    /// The tokenizer's ids for the sentence the patterns were computed on are the ids the model ran.
    @Test func miniLMsIDsFileHoldsTheReferenceSentence() throws {
        let data = try Data(contentsOf: try hfFixtures().appendingPathComponent("minilm-ids.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let sentences = try #require(object["sentences"] as? [[String: Any]])
        let first = try #require(sentences.first)
        #expect(first["ids"] as? [Int] == (try Reference("minilm").ids("encoder.ids")))
        #expect(sentences.allSatisfy { ($0["ids"] as? [Int])?.first == 101 && ($0["ids"] as? [Int])?.last == 102 })
    }
}

/// One `<name>-expected.safetensors`: what transformers computed.
struct Reference {
    let tensors: [String: Tensor]

    init(_ name: String) throws {
        tensors = try SafeTensors.read(try hfFixtures().appendingPathComponent("\(name)-expected.safetensors"))
    }

    /// Ids stored as float32 (exact below 2²⁴).
    func ids(_ key: String) throws -> [Int] {
        try #require(tensors[key], "no \(key) in the reference").scalars.map { Int($0) }
    }

    var input: ModelInput {
        ModelInput(encoder: tensors["encoder.ids"].map { $0.scalars.map { Int($0) } },
                   decoder: tensors["decoder.ids"].map { $0.scalars.map { Int($0) } })
    }

    var patternNames: [String] { tensors.keys.filter { $0.hasSuffix(".pattern") }.sorted() }
}

/// Runs `model` on the reference's ids, recording every attention pattern, and gives the largest
/// |difference| of the patterns and of the output (logits, or MiniLM's hidden states).
func compare(_ model: TransformerModel, _ reference: Reference) throws -> (patterns: Float, output: Float) {
    let tracer = Tracer()
    let output = try model.forward(reference.input, pass: Pass(hooks: .recording(tracer, pattern: "*.pattern")))
    let recorded = Set(tracer.recordings.map(\.name))
    #expect(recorded == Set(reference.patternNames), "attnlab recorded \(recorded.sorted())")
    var patterns: Float = 0
    for name in reference.patternNames {
        let got = try #require(tracer[name], "no \(name)").tensor
        let want = try #require(reference.tensors[name])
        try #require(got.shape == want.shape, "\(name): \(got.shape) against transformers' \(want.shape)")
        patterns = max(patterns, got.maxAbsDifference(want))
    }
    let want = try #require(reference.tensors["logits"] ?? reference.tensors["hidden"])
    try #require(output.shape == want.shape, "output \(output.shape) against transformers' \(want.shape)")
    return (patterns, output.maxAbsDifference(want))
}

/// Fixtures/hf in the test bundle.
func hfFixtures() throws -> URL { try fixtures().appendingPathComponent("hf") }
