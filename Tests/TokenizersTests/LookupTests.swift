import Foundation
import Testing
@testable import Tokenizers

/// Lookups by token and by id, special tokens, framing, and what the file says about itself.
@Suite struct LookupTests {
    @Test func everyIdAndItsTokenLookEachOtherUp() throws {
        for kind in Fixtures.kinds {
            let tokenizer = try Fixtures.tokenizer(kind)
            for id in 0..<tokenizer.vocabularySize {
                guard let token = tokenizer.token(forId: id) else {
                    Issue.record("\(kind): id \(id) has no token")
                    continue
                }
                #expect(tokenizer.id(forToken: token) == id, "\(kind): \(shown(token))")
            }
            #expect(tokenizer.token(forId: tokenizer.vocabularySize) == nil)
            #expect(tokenizer.token(forId: -1) == nil)
        }
    }

    @Test func knowsItsSizeKindAndSpecialTokens() throws {
        let bert = try Fixtures.tokenizer("wordpiece-uncased")
        #expect(bert.modelKind == .wordPiece)
        #expect(bert.vocabularySize == 701)  // 700 learnt and the added <kbd>
        #expect(bert.unknownTokenId == 1)
        #expect(bert.specialTokens == [.init(id: 0, token: "[PAD]"), .init(id: 1, token: "[UNK]"), .init(id: 2, token: "[CLS]"),
                                       .init(id: 3, token: "[SEP]"), .init(id: 4, token: "[MASK]")])
        #expect(bert.isSpecial(2) && !bert.isSpecial(700) && !bert.isSpecial(100))
        #expect(bert.specialTokensAround.before == [2] && bert.specialTokensAround.after == [3])
        #expect(bert.truncationLength == nil)

        let gpt2 = try Fixtures.tokenizer("bpe-gpt2")
        #expect(gpt2.modelKind == .bpe && gpt2.vocabularySize == 802 && gpt2.unknownTokenId == nil)
        #expect(gpt2.specialTokensAround.before.isEmpty && gpt2.specialTokensAround.after.isEmpty)

        let llama3 = try Fixtures.tokenizer("bpe-llama3")
        #expect(llama3.specialTokensAround.before == [0] && llama3.specialTokensAround.after.isEmpty)

        let t5 = try Fixtures.tokenizer("unigram-t5")
        #expect(t5.modelKind == .unigram && t5.unknownTokenId == 2)
        #expect(t5.specialTokensAround.before.isEmpty && t5.specialTokensAround.after == [1])

        #expect(try Fixtures.tokenizer("wordlevel").modelKind == .wordLevel)
    }

    @Test func piecesCarryTheirTokens() throws {
        let bert = try Fixtures.tokenizer("wordpiece-uncased")
        let pieces = bert.encodePieces("Tokenization works!")
        // As `tokenizers` cuts them with this small vocabulary.
        #expect(pieces.map(\.token) == ["[CLS]", "tokeniz", "##ation", "wor", "##k", "##s", "!", "[SEP]"])
        #expect(pieces.map(\.id) == bert.encode("Tokenization works!"))
        let gpt2 = try Fixtures.tokenizer("bpe-gpt2")
        #expect(gpt2.encodePieces("the cat", addSpecialTokens: false).map(\.token) == ["t", "he", "Ġc", "at"])
    }

    @Test func readsTheRealMiniLMsSettings() throws {
        guard let folder = Fixtures.miniLMFolder() else {
            print("all-MiniLM-L6-v2 not found (ATTNLAB_MINILM or Output/models/all-MiniLM-L6-v2): skipped")
            return
        }
        let tokenizer = try TokenizerFile(contentsOf: folder.appendingPathComponent("tokenizer.json"))
        #expect(tokenizer.truncationLength == 128)
        #expect(tokenizer.id(forToken: "[CLS]") == 101 && tokenizer.id(forToken: "##ing") == 2075)
        #expect(tokenizer.encodePieces("Attention!").map(\.token) == ["[CLS]", "attention", "!", "[SEP]"])
    }

    /// "é" as one character and as e + U+0301 are different tokens; Swift's `==` would call them
    /// equal, so the file is read, and tokens are looked up, character by character.
    @Test func keepsCanonicallyEqualTokensApart() throws {
        let json = #"{"model": {"type": "WordLevel", "vocab": {"\u00e9": 0, "e\u0301": 1, "[UNK]": 2}, "unk_token": "[UNK]"},"#
            + #" "pre_tokenizer": {"type": "WhitespaceSplit"}}"#
        let tokenizer = try TokenizerFile(json: Data(json.utf8))
        #expect(tokenizer.vocabularySize == 3)
        #expect(tokenizer.id(forToken: "\u{E9}") == 0)
        #expect(tokenizer.id(forToken: "e\u{301}") == 1)
        #expect(tokenizer.encode("\u{E9} e\u{301}") == [0, 1])
        #expect(tokenizer.token(forId: 1)?.unicodeScalars.count == 2)
    }

    @Test func addedTokensAfterTheVocabularyCountInItsSize() throws {
        let json = #"{"model": {"type": "WordLevel", "vocab": {"a": 0, "[UNK]": 1}, "unk_token": "[UNK]"},"#
            + #" "added_tokens": [{"id": 5, "content": "<x>", "special": true}, {"id": 1, "content": "[UNK]", "special": true}]}"#
        let tokenizer = try TokenizerFile(json: Data(json.utf8))
        #expect(tokenizer.vocabularySize == 6)
        #expect(tokenizer.token(forId: 3) == nil && tokenizer.displayLabel(3) == "#3")
        #expect(tokenizer.encode("a<x>a") == [0, 5, 0])
        #expect(tokenizer.specialTokens.map(\.id) == [1, 5])
    }
}

/// The JSON reader keeps strings exactly and reads what JSON allows.
@Suite struct JSONReaderTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Data(text.utf8)) }

    @Test func readsEscapesAndSurrogates() throws {
        guard case .string(let text) = try parse(#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ufeffz""#) else {
            Issue.record("not a string")
            return
        }
        #expect(Array(text.unicodeScalars) == ["a", "\"", "\\", "/", "\u{8}", "\u{C}", "\n", "\r", "\t", "\u{E9}", "\u{1F600}", "\u{FEFF}", "z"])
        // A surrogate without its partner names no character.
        guard case .string(let lone) = try parse(#""x\ud800y""#) else { return }
        #expect(Array(lone.unicodeScalars) == ["x", "\u{FFFD}", "y"])
    }

    @Test func keepsObjectsInFileOrderWithEveryKey() throws {
        guard case .object(let members) = try parse(#"{"b": 1, "a": [true, false, null], "b": -2.5e1}"#) else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == ["b", "a", "b"])
        guard case .number(let last) = members[2].value else { return }
        #expect(last == -25)
    }

    @Test func refusesWhatJSONDoesNot() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "'a'", "\"a\nb\"", "01x", "nul", "[1] 2", "{\"a\": 1e999}"] {
            #expect(throws: JSONParser.Failure.self, "\(bad)") { try parse(bad) }
        }
    }
}
