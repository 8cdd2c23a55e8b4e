import Foundation
import Testing
import TensorCore
import Transformer
@testable import Checkpoints

@Suite struct RoundTripTests {
    /// The toy flavour for the three architectures, and other flavours of a decoder that GPT-2's
    /// layout cannot hold.
    static let cases: [(String, Architecture, ModelConfig, Checkpoint.Layout)] = {
        var t5Like = fixtureConfig
        t5Like.positions = .relativeBias(buckets: 8, maxDistance: 16)
        t5Like.normKind = .rmsNorm
        t5Like.scoreScaling = .none
        t5Like.activation = .relu
        t5Like.biases = false
        t5Like.scaleTiedLogits = true
        var bertLike = fixtureConfig
        bertLike.normPlacement = .post
        bertLike.embeddingNorm = true
        bertLike.tiedEmbeddings = false
        bertLike.activation = .geluExact
        var untied = fixtureConfig
        untied.tiedEmbeddings = false
        return [
            ("decoder-only", .decoderOnly, fixtureConfig, .gpt2),
            ("encoder-only", .encoderOnly, fixtureConfig, .attnlab),
            ("encoder-decoder", .encoderDecoder, fixtureConfig, .attnlab),
            ("t5-like encoder-decoder", .encoderDecoder, t5Like, .attnlab),
            ("bert-like encoder-only", .encoderOnly, bertLike, .attnlab),
            ("untied decoder-only", .decoderOnly, untied, .attnlab),
        ]
    }()

    @Test(arguments: cases.indices)
    func saveThenLoadGivesTheSameWeightsAndLogits(index: Int) throws {
        let (name, architecture, config, layout) = Self.cases[index]
        let folder = try temporaryFolder("roundtrip\(index)").appendingPathComponent("checkpoint")
        let model = try fullyRandomModel(architecture, config, seed: UInt64(index))
        #expect(Checkpoint.layout(for: architecture, config) == layout, "\(name)")

        try Checkpoint.save(model: model, tokenizerJSON: try fixtureTokenizer.json(), to: folder)
        let loaded = try Checkpoint.load(from: folder)
        #expect(loaded.model.architecture == architecture)
        #expect(loaded.model.config == config, "\(name)")
        #expect(parameters(loaded.model) == parameters(model), "\(name): weights differ")   // bit for bit
        #expect(try Checkpoint.readConfig(from: folder).layout == layout)

        let input = ModelInput(encoder: architecture.stacks.contains(.encoder) ? [2, 7, 8, 9, 3] : nil,
                               decoder: architecture.stacks.contains(.decoder) ? [2, 10, 11, 12] : nil)
        #expect(try loaded.model.forward(input) == model.forward(input), "\(name): logits differ")
        #expect(loaded.tokenizerJSON == (try fixtureTokenizer.json()))
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["config.json", "model.safetensors", "tokenizer.json"])
    }

    @Test func theGPT2LayoutUsesHuggingFaceNamesAndOrientation() throws {
        let folder = try temporaryFolder().appendingPathComponent("gpt2")
        let model = try fullyRandomModel(.decoderOnly, fixtureConfig, seed: 3)
        try Checkpoint.save(model: model, tokenizerJSON: try fixtureTokenizer.json(), to: folder)
        let tensors = try SafeTensors.read(folder.appendingPathComponent("model.safetensors"))
        #expect(tensors.count == 2 + 12 * 2 + 2)
        #expect(tensors["transformer.h.1.attn.c_attn.weight"]?.shape == [16, 48])
        #expect(tensors["transformer.h.1.mlp.c_fc.weight"]?.shape == [16, 64])
        #expect(tensors["transformer.h.1.mlp.c_proj.weight"]?.shape == [64, 16])
        // c_attn's column j < 16 is the query projection's row j; columns 16..<32 are the key's.
        let cAttn = try #require(tensors["transformer.h.1.attn.c_attn.weight"])
        let q = try #require(model.weights.decoder?.blocks[1].selfAttention.query.weight)
        let k = try #require(model.weights.decoder?.blocks[1].selfAttention.key.weight)
        #expect(cAttn[3, 5] == q[5, 3])
        #expect(cAttn[3, 16 + 5] == k[5, 3])
        let bias = try #require(tensors["transformer.h.1.attn.c_attn.bias"])
        #expect(bias.scalars[32 + 2] == model.weights.decoder?.blocks[1].selfAttention.value.bias?.scalars[2])

        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("config.json"))) as? [String: Any])
        #expect(config["model_type"] as? String == "gpt2")
        #expect(config["architectures"] as? [String] == ["GPT2LMHeadModel"])
        #expect(config["n_inner"] as? Int == 64)
        #expect(config["activation_function"] as? String == "gelu_new")
        #expect(config["bos_token_id"] as? Int == 2)
        #expect(config["eos_token_id"] as? Int == 3)
        #expect(config["tie_word_embeddings"] as? Bool == true)
    }

    @Test func savingReplacesAnEarlierCheckpointAndLeavesNothingBeside() throws {
        let parent = try temporaryFolder()
        let folder = parent.appendingPathComponent("run")
        var heard: [(URL, Bool)] = []
        try Checkpoint.save(model: try fullyRandomModel(.encoderOnly, fixtureConfig, seed: 1), tokenizerJSON: nil, to: folder)
        let second = try fullyRandomModel(.decoderOnly, fixtureConfig, seed: 2)
        try Checkpoint.save(model: second, tokenizerJSON: try fixtureTokenizer.json(), to: folder, scratch: { heard.append(($0, $1)) })
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["run"])
        #expect(parameters(try Checkpoint.load(from: folder).model) == parameters(second))
        #expect(heard.map(\.1) == [true, false])
        #expect(heard.first?.0.lastPathComponent.hasPrefix(".run.partial-") == true)
    }

    @Test func savingRefusesToReplaceAFolderThatIsNotACheckpoint() throws {
        let folder = try temporaryFolder()
        try Data("keep me".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        let model = try fullyRandomModel(.decoderOnly, fixtureConfig, seed: 1)
        #expect(throws: CheckpointError.self) { try Checkpoint.save(model: model, tokenizerJSON: nil, to: folder) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["notes.txt"])
        #expect(throws: CheckpointError.self) {
            try Checkpoint.save(model: model, tokenizerJSON: Data("not json".utf8), to: folder.appendingPathComponent("new"))
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("new").path))
    }

    @Test func aFolderWithoutTokenizerLoadsWithIdsAsLabels() throws {
        let folder = try temporaryFolder().appendingPathComponent("bare")
        try Checkpoint.save(model: try fullyRandomModel(.decoderOnly, fixtureConfig, seed: 1), tokenizerJSON: nil, to: folder)
        #expect(try Checkpoint.load(from: folder).tokenizerJSON == nil)
        let idsOnly = CheckpointTokenizer(idsOnly: 30, because: "this checkpoint has no tokenizer.json")
        #expect(idsOnly.label(7) == "7")
        #expect(throws: CheckpointTokenizer.UnknownWord.self) { try idsOnly.checkEncodable("a b") }
    }

    @Test func theTokenizerReadsWhatItWritesAndFramesLikeTheBuiltInOne() throws {
        let tokenizer = try CheckpointTokenizer(json: fixtureTokenizer.json())
        #expect(tokenizer.vocabulary == fixtureTokenizer.vocabulary)
        #expect(tokenizer.vocabularySize == 30)
        #expect(tokenizer.encode("c a f", for: .decoder, of: .decoderOnly).map(\.id) == [2, 6, 4, 9])
        #expect(tokenizer.encode("c a", for: .encoder, of: .encoderDecoder).map(\.id) == [6, 4, 3])
        #expect(tokenizer.encode("c", for: .encoder, of: .encoderOnly).map(\.id) == [6])   // no [CLS] or [SEP] in it
        #expect(throws: Never.self) { try tokenizer.checkEncodable("  c a\tf ") }
        do {
            try tokenizer.checkEncodable("c cat a")
            Issue.record("an unknown word was accepted")
        } catch {
            #expect("\(error)".hasPrefix("'cat' is not in the checkpoint's vocabulary"))
        }
        #expect(throws: CheckpointTokenizer.Unreadable.self) {
            try CheckpointTokenizer(json: Data(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}"#.utf8))
        }
    }
}
