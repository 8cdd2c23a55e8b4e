import Foundation
import Testing
import Transformer
@testable import Training

@Suite struct WordLevelTokenizerTests {
    @Test func splitsOnWhitespaceAndLooksWordsUp() throws {
        let tokenizer = try TrainingTask(.copy, architecture: .encoderDecoder, symbols: 4).tokenizer
        #expect(try tokenizer.ids(" a  d\tc\n") == [5, 8, 7])
        #expect(tokenizer.tokenize("b z").map(\.id) == [6, -1])
        #expect(tokenizer.tokenize("b z").map(\.text) == ["b", "z"])
        #expect(throws: TokenizerFileError.unknownWord("z")) { try tokenizer.ids("a z") }
        #expect(tokenizer.encode("a b", for: .encoder, of: .encoderDecoder).map(\.id) == [5, 6, 2])
        #expect(tokenizer.encode("a b", for: .decoder, of: .decoderOnly).map(\.id) == [1, 5, 6])
        #expect(tokenizer.encode("a b", for: .encoder, of: .encoderOnly).map(\.id) == [5, 6])
        #expect(try tokenizer.ids("<bos>a b<sep><sep>c<eos>") == [1, 5, 6, 3, 3, 7, 2])
        #expect(tokenizer.label(3) == "<sep>")
        #expect(tokenizer.label(99) == "#99")
        #expect(tokenizer.vocabularySize == 9)
    }

    @Test func roundTripsThroughTokenizerJSON() throws {
        for task in [try TrainingTask(.count, architecture: .encoderOnly, symbols: 26, length: 12),
                     try TrainingTask(.lm, architecture: .decoderOnly)] {
            let data = try task.tokenizer.json()
            let back = try WordLevelTokenizer(json: data)
            #expect(back == task.tokenizer)
            #expect(back.vocabulary == task.vocabulary)
            #expect(try back.json() == data)
        }
    }

    @Test func writesWhatTheTokenizersLibraryReads() throws {
        let tokenizer = try TrainingTask(.sort, architecture: .encoderOnly, symbols: 2).tokenizer
        let object = try #require(try JSONSerialization.jsonObject(with: tokenizer.json()) as? [String: Any])
        #expect(object["version"] as? String == "1.0")
        let model = try #require(object["model"] as? [String: Any])
        #expect(model["type"] as? String == "WordLevel")
        #expect(model["unk_token"] as? String == "<unk>")
        #expect(model["vocab"] as? [String: Int] == ["<pad>": 0, "<bos>": 1, "<eos>": 2, "<sep>": 3, "<mask>": 4, "a": 5, "b": 6])
        #expect((object["pre_tokenizer"] as? [String: Any])?["type"] as? String == "WhitespaceSplit")
        let added = try #require(object["added_tokens"] as? [[String: Any]])
        #expect(added.map { $0["content"] as? String } == TrainingTask.specials)
        #expect(added.map { $0["id"] as? Int } == [0, 1, 2, 3, 4])
        #expect(added.allSatisfy { $0["special"] as? Bool == true })
    }

    /// A file as the `tokenizers` library saves it (WordLevel, WhitespaceSplit, an unknown token
    /// in the vocabulary, extra fields this reader ignores).
    @Test func readsAFileTheTokenizersLibraryWrote() throws {
        let text = """
        {"version":"1.0","truncation":null,"padding":null,
         "added_tokens":[{"id":0,"content":"[UNK]","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true}],
         "normalizer":null,"pre_tokenizer":{"type":"WhitespaceSplit"},"post_processor":null,"decoder":null,
         "model":{"type":"WordLevel","vocab":{"[UNK]":0,"hello":1,"world":2},"unk_token":"[UNK]"}}
        """
        let tokenizer = try WordLevelTokenizer(json: Data(text.utf8))
        #expect(tokenizer.vocabulary == ["[UNK]", "hello", "world"])
        #expect(tokenizer.specials == ["[UNK]"])
        #expect(try tokenizer.ids("hello there world") == [1, 0, 2])
    }

    @Test func refusesFilesItCannotRead() throws {
        let bpe = #"{"model":{"type":"BPE","vocab":{"a":0},"merges":[]}}"#
        #expect(throws: TokenizerFileError.format("has model type BPE; only WordLevel is read")) {
            try WordLevelTokenizer(json: Data(bpe.utf8))
        }
        let gap = #"{"model":{"type":"WordLevel","vocab":{"a":0,"b":2},"unk_token":"a"}}"#
        #expect(throws: TokenizerFileError.self) { try WordLevelTokenizer(json: Data(gap.utf8)) }
        #expect(throws: TokenizerFileError.self) { try WordLevelTokenizer(json: Data("[1]".utf8)) }
        #expect(throws: TokenizerFileError.vocabulary("\"a\" appears twice")) { try WordLevelTokenizer(vocabulary: ["a", "a"]) }
        #expect(throws: TokenizerFileError.self) { try WordLevelTokenizer(vocabulary: ["a b"]) }
        #expect(throws: TokenizerFileError.self) { try WordLevelTokenizer(vocabulary: ["a"], specials: ["<bos>"]) }
    }

    @Test func writesAndReadsAFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attnlab-tokenizer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("tokenizer.json")
        let tokenizer = try TrainingTask(.mlm, architecture: .encoderOnly).tokenizer
        try tokenizer.write(to: url)
        #expect(try WordLevelTokenizer.read(url) == tokenizer)
    }

    /// The real check: Hugging Face's `tokenizers` opened the file attnlab writes and gave these
    /// ids (Fixtures/make_tokenizer_ids.py made them; the test needs no Python).
    @Test func theTokenizersLibraryGivesTheSameIDs() throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let tokenizer = try TrainingTask(.lm, architecture: .decoderOnly).tokenizer
        // The file the library read is the one attnlab still writes, byte for byte.
        #expect(try tokenizer.json() == Data(contentsOf: fixtures.appendingPathComponent("lm-tokenizer.json")))
        let reference = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: fixtures.appendingPathComponent("lm-tokenizer-ids.json"))) as? [String: Any])
        #expect(reference["vocabulary_size"] as? Int == tokenizer.vocabularySize)
        let cases = try #require(reference["cases"] as? [[String: Any]])
        #expect(cases.count == 5)
        for entry in cases {
            let text = try #require(entry["text"] as? String)
            #expect(try tokenizer.ids(text) == entry["ids"] as? [Int], "\(text)")
        }
    }
}
