import Foundation
import Testing
@testable import Tokenizers

/// `displayLabel`: tokens as a reader knows them.
@Suite struct DisplayLabelTests {
    func label(_ tokenizer: TokenizerFile, _ token: String) -> String {
        guard let id = tokenizer.id(forToken: token) else {
            Issue.record("no token \(token)")
            return ""
        }
        return tokenizer.displayLabel(id)
    }

    @Test func byteLevelTokensReadAsTheirText() throws {
        let gpt2 = try Fixtures.tokenizer("bpe-gpt2")
        #expect(label(gpt2, "Ġthe") == "␣the")
        #expect(label(gpt2, "Ġ") == "␣")
        #expect(label(gpt2, "ĠĠ") == "␣␣")
        #expect(label(gpt2, "Ċ") == "↵")
        #expect(label(gpt2, "ĉ") == "⇥")
        #expect(label(gpt2, "Ã©") == "é")
        #expect(label(gpt2, "ä»Ĭ") == "今")
        // Two bytes of a three-byte character, and the first half of an emoji's four.
        #expect(label(gpt2, "ä¸") == "<0xE4><0xB8>")
        #expect(label(gpt2, "ðŁ") == "<0xF0><0x9F>")
        #expect(label(gpt2, "<|endoftext|>") == "<|endoftext|>")
        // No byte-alphabet character survives into any label of the vocabulary.
        for id in 0..<gpt2.vocabularySize {
            let shown = gpt2.displayLabel(id)
            #expect(!shown.contains("Ġ") && !shown.contains("Ċ") && !shown.contains("ĉ"), "\(id): \(shown)")
        }
    }

    @Test func sentencePieceTokensShowTheSameSpaceMark() throws {
        let llama = try Fixtures.tokenizer("spm-bpe-legacy")
        #expect(label(llama, "▁the") == "␣the")
        #expect(label(llama, "▁") == "␣")
        #expect(label(llama, "<0x0A>") == "<0x0A>")
        #expect(label(llama, "<s>") == "<s>")
        let modern = try Fixtures.tokenizer("spm-bpe-metaspace")
        #expect(label(modern, "▁the") == "␣the")
        let t5 = try Fixtures.tokenizer("unigram-t5")
        #expect(label(t5, "▁") == "␣")
        #expect(label(t5, "</s>") == "</s>")
        // A byte-level space and SentencePiece's mark read alike.
        #expect(label(try Fixtures.tokenizer("bpe-gpt2"), "Ġthe") == label(llama, "▁the"))
    }

    @Test func wordPieceTokensKeepTheirContinuationMark() throws {
        let bert = try Fixtures.tokenizer("wordpiece-uncased")
        #expect(label(bert, "##ing") == "##ing")
        #expect(label(bert, "[CLS]") == "[CLS]")
        #expect(label(bert, "我") == "我")
        #expect(bert.displayLabel(-1) == "#-1")
        #expect(bert.displayLabel(bert.vocabularySize) == "#\(bert.vocabularySize)")
    }

    /// Chinese characters read as themselves; a byte-level token that holds only part of one
    /// reads as its bytes, never as the byte alphabet's Latin letters (`æĪĳ`).
    @Test func chineseStaysChineseEverywhere() throws {
        let han = try Regex(#"^(\p{Han}|<0x[0-9A-F]{2}>|␣)+$"#)
        for kind in ["wordpiece-cased", "bpe-gpt2", "bpe-qwen2", "unigram-t5", "spm-bpe-metaspace"] {
            let tokenizer = try Fixtures.tokenizer(kind)
            let labels = tokenizer.encode("我们今天学习", addSpecialTokens: false).map(tokenizer.displayLabel)
            #expect(labels.allSatisfy { $0.wholeMatch(of: han) != nil }, "\(kind): \(labels)")
            #expect(labels.contains { $0.contains("今") || $0.contains("学") }, "\(kind): \(labels)")
        }
    }

    @Test func invisibleCharactersBecomeVisible() throws {
        let tokens = ["a b", "x\ty", "\n", "\r", "\u{1B}", "\u{7F}", "\u{200D}", "\u{A0}", "\u{301}", "e\u{301}", "\u{2028}", "\u{E000}"]
        let tokenizer = try wordLevel(tokens)
        let labels = tokens.map { tokenizer.displayLabel(tokenizer.id(forToken: $0) ?? -1) }
        #expect(labels == ["a␣b", "x⇥y", "↵", "␍", "␛", "␡", "<U+200D>", "<U+00A0>", "◌\u{301}", "e\u{301}", "<U+2028>", "<U+E000>"])
    }

    @Test func byteLevelNewlinesAndControlsAreVisible() throws {
        // The byte alphabet spells a newline Ċ, a carriage return č, escape ě, NUL Ā.
        let tokenizer = try wordLevel(["Ċ", "č", "ě", "Ā", "ĊĊ"], preTokenizer: #"{"type": "ByteLevel", "add_prefix_space": false}"#)
        #expect(tokenizer.displayLabel(0) == "↵")
        #expect(tokenizer.displayLabel(1) == "␍")
        #expect(tokenizer.displayLabel(2) == "␛")
        #expect(tokenizer.displayLabel(3) == "␀")
        #expect(tokenizer.displayLabel(4) == "↵↵")
    }

    /// A word-level tokenizer.json with these tokens (ids in order).
    func wordLevel(_ tokens: [String], preTokenizer: String = "null") throws -> TokenizerFile {
        let vocab = tokens.enumerated().map { "\(jsonString($1)): \($0)" }.joined(separator: ", ")
        let json = #"{"model": {"type": "WordLevel", "vocab": {"# + vocab + #"}}, "pre_tokenizer": "# + preTokenizer + "}"
        return try TokenizerFile(json: Data(json.utf8))
    }
}

/// `text` as a JSON string literal, every non-ASCII character escaped.
func jsonString(_ text: String) -> String {
    var out = "\""
    for unit in text.utf16 {
        switch unit {
        case 0x22: out += "\\\""
        case 0x5C: out += "\\\\"
        case 0x20..<0x7F: out += String(UnicodeScalar(UInt8(unit)))
        default: out += String(format: "\\u%04x", unit)
        }
    }
    return out + "\""
}
