import Foundation
import Testing
@testable import Tokenizers

/// The ids of every test string, with and without special tokens, against what Hugging Face
/// `tokenizers` 0.23.3 gave for the same tokenizer.json (Fixtures/make_tokenizer_fixtures.py).
@Suite struct FixtureTests {
    @Test(arguments: Fixtures.kinds)
    func givesTheIdsTokenizersGives(kind: String) throws {
        let tokenizer = try Fixtures.tokenizer(kind)
        let strings = try Fixtures.strings()
        let expected = try Fixtures.expected(kind)
        try #require(expected.ids.count == strings.count)
        var wrong: [String] = []
        for (index, text) in strings.enumerated() {
            let plain = tokenizer.encode(text, addSpecialTokens: false)
            let framed = tokenizer.encode(text, addSpecialTokens: true)
            if plain != expected.ids[index] || framed != expected.withSpecialTokens[index] {
                wrong.append("#\(index) \"\(shown(text))\": got \(plain), tokenizers gives \(expected.ids[index])"
                    + (framed != expected.withSpecialTokens[index] ? " (framed \(framed) vs \(expected.withSpecialTokens[index]))" : ""))
            }
        }
        #expect(wrong.isEmpty, "\(kind): \(wrong.count) of \(strings.count) strings differ:\n\(wrong.prefix(15).joined(separator: "\n"))")
    }

    @Test func theFixturesCoverEnoughStrings() throws {
        #expect(try Fixtures.strings().count >= 300)
    }

    /// The real all-MiniLM-L6-v2 tokenizer.json (when it is there) on the same strings.
    @Test func givesAllMiniLMsIds() throws {
        guard let folder = Fixtures.miniLMFolder() else {
            print("all-MiniLM-L6-v2 not found (ATTNLAB_MINILM or Output/models/all-MiniLM-L6-v2): skipped")
            return
        }
        let tokenizer = try TokenizerFile(contentsOf: folder.appendingPathComponent("tokenizer.json"))
        let strings = try Fixtures.strings()
        let expected = try Fixtures.expected(at: Fixtures.folder().appendingPathComponent("all-MiniLM-L6-v2-expected.json"))
        var wrong: [String] = []
        for (index, text) in strings.enumerated() {
            let plain = tokenizer.encode(text, addSpecialTokens: false)
            let framed = tokenizer.encode(text, addSpecialTokens: true)
            if plain != expected.ids[index] || framed != expected.withSpecialTokens[index] {
                wrong.append("#\(index) \"\(shown(text))\": got \(plain), tokenizers gives \(expected.ids[index])")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) of \(strings.count) strings differ:\n\(wrong.prefix(15).joined(separator: "\n"))")
        #expect(tokenizer.vocabularySize == 30522)
    }
}
