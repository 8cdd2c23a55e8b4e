import Foundation
import Testing
import TensorCore
import Transformer
@testable import Checkpoints

/// A model read from a Hugging Face checkpoint, saved again: either attnlab's layout holds all of
/// it and it loads back computing the same logits, or `save` refuses in one line and writes nothing.
@Suite struct SavingLoadedModelsTests {
    @Test(arguments: ["bert", "gpt2", "t5-v1_0", "t5-v1_1", "bart", "llama", "qwen2"])
    func savedAgainItLoadsTheSameOrIsRefused(name: String) throws {
        let loaded = try Checkpoint.load(from: try hfFixtures().appendingPathComponent(name))
        let folder = try temporaryFolder("resave-\(name)").appendingPathComponent("model")
        do {
            try Checkpoint.save(model: loaded.model, tokenizerJSON: nil, to: folder)
        } catch let error as CheckpointError {
            #expect(!error.description.contains("\n"))
            #expect(!FileManager.default.fileExists(atPath: folder.path), "a refused save left \(folder.path)")
            return
        }
        let again = try Checkpoint.load(from: folder).model
        let input = loaded.model.architecture == .encoderOnly ? ModelInput(encoder: [1, 5, 9, 2])
            : loaded.model.architecture == .decoderOnly ? ModelInput(decoder: [1, 5, 9, 2])
            : ModelInput(encoder: [1, 5, 9, 2], decoder: [0, 7, 3])
        #expect(try again.forward(input) == loaded.model.forward(input), "\(name)")
    }
}

/// A Hugging Face WordLevel tokenizer.json with its own normaliser, pre-tokeniser and template
/// frames text as `tokenizers` does; only attnlab's own word-level files are read the simple way.
@Suite struct WordLevelTokenizerChoiceTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TokenizersTests/Fixtures")

    @Test func aHuggingFaceWordLevelFileGivesTokenizersIds() throws {
        let json = try Data(contentsOf: Self.fixture.appendingPathComponent("wordlevel/tokenizer.json"))
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixture.appendingPathComponent("wordlevel/expected.json")))
            as? [String: Any] ?? [:]
        let strings = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixture.appendingPathComponent("strings.json")))
            as? [String] ?? []
        let (prefix, suffix) = (expected["prefix"] as? [Int] ?? [], expected["suffix"] as? [Int] ?? [])
        let ids = expected["ids"] as? [[Int]] ?? []
        let raw = String(decoding: try Data(contentsOf: Self.fixture.appendingPathComponent("strings.json")), as: UTF8.self)
            .split(separator: "\n").dropFirst().map { $0.contains("\\ufeff") || $0.contains("\u{FEFF}") }
        // Where adding the special tokens is not prefix + ids + suffix, the fixture says so.
        let withSpecial = expected["ids_with_special"] as? [Any] ?? []
        #expect(strings.count == ids.count && strings.count > 300)
        let config = ModelConfig(width: 8, heads: 2, layers: 1, mlpWidth: 16, vocabularySize: 300, maxLength: 4096)
        let folder = try temporaryFolder("wordLevelChoice").appendingPathComponent("model")
        try Checkpoint.save(model: try TransformerModel.random(.encoderOnly, config, seed: 1), tokenizerJSON: json, to: folder)
        let loaded = try Checkpoint.load(from: folder)
        let tokenizer = Checkpoint.tokenizer(loaded, folder: folder)
        #expect(tokenizer is HuggingFaceTokenizer)
        // Foundation's JSON reader drops U+FEFF from strings (TokenizersTests read these with their
        // own reader), so the two strings that hold one are not compared here.
        for (index, (text, want)) in zip(strings, ids).enumerated() where index < raw.count && !raw[index] {
            let framed = index < withSpecial.count ? withSpecial[index] as? [Int] : nil
            #expect(tokenizer.encode(text, for: .encoder, of: .encoderOnly).map(\.id) == framed ?? prefix + want + suffix, "\(text)")
        }
        #expect(!Checkpoint.isAttnlabWordLevel(json))
        #expect(Checkpoint.isAttnlabWordLevel(try CheckpointTokenizer(vocabulary: ["[UNK]", "a"], unknown: "[UNK]").json()))
    }
}
