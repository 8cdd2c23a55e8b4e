import Foundation
import Testing
@testable import Tokenizers

/// Broken tokenizer.json files, and the one line each must give: the file, the field, the problem.
@Suite struct BadFileTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let json: String
        let message: String
        var description: String { name }
    }

    /// A word-level model with `vocab`, plus `rest` (more top-level members).
    static func wordLevel(_ vocab: String = #"{"a": 0, "b": 1}"#, _ rest: String = "") -> String {
        #"{"model": {"type": "WordLevel", "vocab": "# + vocab + #", "unk_token": "a"}"# + rest + "}"
    }

    /// A BPE model with `vocab` and `merges`.
    static func bpe(_ vocab: String, _ merges: String) -> String {
        #"{"model": {"type": "BPE", "vocab": "# + vocab + #", "merges": "# + merges + "}}"
    }

    static let cases: [Case] = [
        Case(name: "not JSON", json: #"{"model": "#,
             message: "tokenizer.json: is not valid JSON: unexpected end of the file at line 1, column 11"),
        Case(name: "JSON with a trailing comma", json: #"{"model": {},}"#,
             message: "tokenizer.json: is not valid JSON: expected a quoted key at line 1, column 14"),
        Case(name: "an escape JSON does not have", json: #"{"model": "\xff"}"#,
             message: "tokenizer.json: is not valid JSON: an unknown escape at line 1, column 13"),
        Case(name: "a list", json: "[1, 2]", message: "tokenizer.json: must hold a JSON object"),
        Case(name: "no model", json: "{}", message: "tokenizer.json: field 'model' is missing"),
        Case(name: "model is a string", json: #"{"model": "BPE"}"#, message: "tokenizer.json: field 'model' must be an object, not a string"),
        Case(name: "unknown model kind", json: #"{"model": {"type": "Sentencepiece", "vocab": {}}}"#,
             message: "tokenizer.json: field 'model.type' is \"Sentencepiece\"; attnlab reads WordPiece, BPE, Unigram and WordLevel models"),
        Case(name: "no vocab", json: #"{"model": {"type": "WordPiece"}}"#,
             message: "tokenizer.json: field 'model.vocab' is missing; it must be an object"),
        Case(name: "vocab ids with a gap", json: wordLevel(#"{"a": 0, "b": 2}"#),
             message: "tokenizer.json: field 'model.vocab.b' is 2, but the 2 ids of a vocabulary must run from 0 to 1 without gaps"),
        Case(name: "two tokens with one id", json: wordLevel(#"{"a": 0, "b": 0}"#),
             message: "tokenizer.json: field 'model.vocab.b' is 0, the id of \"a\" too; every token needs its own id"),
        Case(name: "negative id", json: wordLevel(#"{"a": -1}"#),
             message: "tokenizer.json: field 'model.vocab.a' is -1; it must be a whole number 0 or more"),
        Case(name: "fractional id", json: wordLevel(#"{"a": 0.5}"#),
             message: "tokenizer.json: field 'model.vocab.a' is 0.5; it must be a whole number 0 or more"),
        Case(name: "id as text", json: wordLevel(#"{"a": "0"}"#),
             message: "tokenizer.json: field 'model.vocab.a' must be a whole number, not a string"),
        Case(name: "bad merges line", json: bpe(#"{"a": 0, "b": 1, "ab": 2}"#, #"["a b", "a  b"]"#),
             message: "tokenizer.json: field 'model.merges[1]' is \"a  b\"; a merge is two tokens separated by one space"),
        Case(name: "merge of three", json: bpe(#"{"a": 0, "b": 1, "ab": 2}"#, #"[["a", "b", "c"]]"#),
             message: "tokenizer.json: field 'model.merges[0]' must be two tokens, not 3"),
        Case(name: "merge of an unknown token", json: bpe(#"{"a": 0, "b": 1, "ab": 2}"#, #"["a z"]"#),
             message: "tokenizer.json: field 'model.merges[0]' joins \"a\" and \"z\", but its right token is not in model.vocab"),
        Case(name: "merge into an unknown token", json: bpe(#"{"a": 0, "b": 1}"#, #"["a b"]"#),
             message: "tokenizer.json: field 'model.merges[0]' joins \"a\" and \"b\", but its result \"ab\" is not in model.vocab"),
        Case(name: "WordPiece without its unknown token", json: #"{"model": {"type": "WordPiece", "vocab": {"a": 0}, "unk_token": "[UNK]"}}"#,
             message: "tokenizer.json: field 'model.unk_token' is \"[UNK]\", which is not in model.vocab"),
        Case(name: "Unigram piece without a score", json: #"{"model": {"type": "Unigram", "vocab": [["a", -1.0], ["b"]]}}"#,
             message: "tokenizer.json: field 'model.vocab[1]' must be a piece and its score, not 1 values"),
        Case(name: "Unigram unk_id out of range", json: #"{"model": {"type": "Unigram", "vocab": [["a", -1.0]], "unk_id": 3}}"#,
             message: "tokenizer.json: field 'model.unk_id' is 3; it must be a whole number from 0 to 0"),
        Case(name: "added token id out of range", json: wordLevel(#"{"a": 0}"#, #", "added_tokens": [{"id": 99999999, "content": "<x>"}]"#),
             message: "tokenizer.json: field 'added_tokens[0].id' is 99999999; it must be a whole number from 0 to 4194303"),
        Case(name: "added token on a model token's id", json: wordLevel(#"{"a": 0, "b": 1}"#, #", "added_tokens": [{"id": 1, "content": "<x>"}]"#),
             message: "tokenizer.json: field 'added_tokens[0].id' is 1, the id of model token \"b\"; an added token needs an id of its own"),
        Case(name: "added token without content", json: wordLevel(#"{"a": 0}"#, #", "added_tokens": [{"id": 5}]"#),
             message: "tokenizer.json: field 'added_tokens[0].content' is missing; it must be a string"),
        Case(name: "unknown normalizer", json: wordLevel(#"{"a": 0}"#, #", "normalizer": {"type": "Uppercase"}"#),
             message: "tokenizer.json: field 'normalizer.type' is \"Uppercase\"; attnlab reads the normalizers BertNormalizer, Lowercase, NFC, "
                + "NFD, NFKC, NFKD, StripAccents, Strip, Replace, Prepend, Precompiled, Nmt, ByteLevel and Sequence"),
        Case(name: "normalizer in a sequence", json: wordLevel(#"{"a": 0}"#, #", "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFC"}, {}]}"#),
             message: "tokenizer.json: field 'normalizer.normalizers[1].type' is missing; it must be a string"),
        Case(name: "unknown pre-tokenizer", json: wordLevel(#"{"a": 0}"#, #", "pre_tokenizer": {"type": "UnicodeScripts"}"#),
             message: "tokenizer.json: field 'pre_tokenizer.type' is \"UnicodeScripts\"; attnlab reads the pre-tokenizers BertPreTokenizer, "
                + "Whitespace, WhitespaceSplit, ByteLevel, Split, Metaspace, Digits, Punctuation, CharDelimiterSplit and Sequence"),
        Case(name: "regex that does not compile",
             json: wordLevel(#"{"a": 0}"#, #", "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(a"}, "behavior": "Isolated", "invert": false}"#),
             message: "tokenizer.json: field 'pre_tokenizer.pattern.Regex' is \"(a\", which is not a regular expression attnlab can read"),
        Case(name: "unknown split behaviour",
             json: wordLevel(#"{"a": 0}"#, #", "pre_tokenizer": {"type": "Split", "pattern": {"String": "-"}, "behavior": "Dropped", "invert": false}"#),
             message: "tokenizer.json: field 'pre_tokenizer.behavior' is \"Dropped\"; it must be Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous"),
        Case(name: "pattern of neither kind",
             json: wordLevel(#"{"a": 0}"#, #", "normalizer": {"type": "Replace", "pattern": {"Glob": "*"}, "content": ""}"#),
             message: "tokenizer.json: field 'normalizer.pattern' must be {\"String\": …} or {\"Regex\": …}"),
        Case(name: "metaspace mark of two characters",
             json: wordLevel(#"{"a": 0}"#, #", "pre_tokenizer": {"type": "Metaspace", "replacement": "__"}"#),
             message: "tokenizer.json: field 'pre_tokenizer.replacement' is \"__\"; it must be one character"),
        Case(name: "charsmap that is not base64",
             json: wordLevel(#"{"a": 0}"#, #", "normalizer": {"type": "Precompiled", "precompiled_charsmap": "!!"}"#),
             message: "tokenizer.json: field 'normalizer.precompiled_charsmap' is not base64 text"),
        Case(name: "charsmap cut short",
             json: wordLevel(#"{"a": 0}"#, #", "normalizer": {"type": "Precompiled", "precompiled_charsmap": "AAEAAA=="}"#),
             message: "tokenizer.json: field 'normalizer.precompiled_charsmap' is not a SentencePiece charsmap (a trie size, the trie, then its replacements)"),
        Case(name: "unknown post-processor",
             json: wordLevel(#"{"a": 0}"#, #", "post_processor": {"type": "Padding"}"#),
             message: "tokenizer.json: field 'post_processor.type' is \"Padding\"; attnlab reads the post-processors TemplateProcessing, "
                + "BertProcessing, RobertaProcessing, ByteLevel and Sequence"),
        Case(name: "template names an unlisted special token",
             json: wordLevel(#"{"a": 0}"#, #", "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}], "special_tokens": {}}"#),
             message: "tokenizer.json: field 'post_processor.single[0].SpecialToken.id' is \"[CLS]\", which post_processor.special_tokens does not list"),
        Case(name: "BERT processing without an id",
             json: wordLevel(#"{"a": 0}"#, #", "post_processor": {"type": "BertProcessing", "sep": ["[SEP]"], "cls": ["[CLS]", 0]}"#),
             message: "tokenizer.json: field 'post_processor.sep' must be a token and its id"),
        Case(name: "template adds an id the vocabulary lacks",
             json: wordLevel(#"{"a": 0, "b": 1}"#, #", "post_processor": {"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}], "special_tokens": {"</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}}"#),
             message: "tokenizer.json: field 'post_processor.special_tokens.</s>.ids[0]' is 2; it must be a whole number from 0 to 1"),
        Case(name: "a newline in a bad value stays on one line",
             json: #"{"model": {"type": "Word\nLevel"}}"#,
             message: "tokenizer.json: field 'model.type' is \"Word\\nLevel\"; attnlab reads WordPiece, BPE, Unigram and WordLevel models"),
    ]

    @Test(arguments: cases)
    func saysWhatIsWrongInOneLine(_ bad: Case) {
        do {
            _ = try TokenizerFile(json: Data(bad.json.utf8))
            Issue.record("\(bad.name): read without complaint")
        } catch {
            #expect(error.description == bad.message)
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func thereAreManyBadFiles() { #expect(Self.cases.count >= 30) }

    @Test func namesTheFileItWasGiven() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("tokenizer.json")
        #expect(throws: TokenizerJSONError(file: file.path, field: nil, problem: "cannot be read")) {
            try TokenizerFile(contentsOf: file)
        }
        try Data("{}".utf8).write(to: file)
        #expect(throws: TokenizerJSONError(file: file.path, field: "model", problem: "is missing")) {
            try TokenizerFile(contentsOf: file)
        }
    }

    @Test func refusesInvalidUTF8() {
        var bytes = Array(#"{"model": {"type": "WordLevel", "vocab": {"a"#.utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array(#"": 0}}}"#.utf8)
        #expect(throws: TokenizerJSONError(file: "tokenizer.json", field: nil,
                                           problem: "is not valid JSON: text that is not UTF-8 at line 1, column 45")) {
            try TokenizerFile(json: Data(bytes))
        }
    }

    @Test func refusesDeepNesting() {
        let json = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: TokenizerJSONError.self) { try TokenizerFile(json: Data(json.utf8)) }
    }
}
