import Foundation
import Transformer

/// A checkpoint's word-level tokenizer: just enough of a Hugging Face `tokenizer.json` with a
/// `WordLevel` model to run a checkpoint on typed text. Text is split on whitespace and every word
/// must be in the vocabulary as written (`checkEncodable` names the first that is not); there is
/// no normaliser and no sub-word splitting. (The Training module has the fuller tokenizer.)
///
/// Framing follows the built-in tokenizer, with whichever of its special tokens the vocabulary
/// has: `[CLS] … [SEP]` for an encoder-only model, `… <eos>` for an encoder-decoder's source,
/// `<bos> …` for a decoder. A checkpoint without a readable word-level tokenizer.json gets an
/// ids-only tokenizer: ids are their own labels, and text is refused with the reason.
public struct CheckpointTokenizer: Tokenizer {
    /// Each id's word; ids the vocabulary skips are "".
    public let vocabulary: [String]
    /// The word that stands for unknown words, when the tokenizer has one.
    public let unknown: String?
    /// Why text cannot be tokenized (no tokenizer.json, or one attnlab cannot read); nil when it can.
    public let refusal: String?
    private let ids: [String: Int]

    /// A tokenizer for `vocabulary`, the word of each id in order.
    public init(vocabulary: [String], unknown: String? = nil) {
        self.vocabulary = vocabulary
        self.unknown = unknown
        refusal = nil
        var ids: [String: Int] = [:]
        for (id, word) in vocabulary.enumerated() where ids[word] == nil && !word.isEmpty { ids[word] = id }
        self.ids = ids
    }

    /// No vocabulary: `vocabularySize` ids, each labelled with its number; text is refused, saying `why`.
    public init(idsOnly vocabularySize: Int, because why: String) {
        vocabulary = (0..<max(vocabularySize, 0)).map(String.init)
        unknown = nil
        refusal = why
        ids = [:]
    }

    /// Reads a Hugging Face tokenizer.json whose model is `WordLevel` (its `vocab` and
    /// `unk_token`, and the `added_tokens`). Anything else throws `CheckpointTokenizer.Unreadable`.
    public init(json data: Data) throws {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Unreadable(reason: "is not a JSON object")
        }
        guard let model = root["model"] as? [String: Any], let vocab = model["vocab"] as? [String: Any] else {
            throw Unreadable(reason: "has no model.vocab")
        }
        let type = model["type"] as? String ?? "WordLevel"
        guard type == "WordLevel" else {
            throw Unreadable(reason: "holds a \(type) model; attnlab's checkpoint reader reads WordLevel tokenizers only")
        }
        var entries: [(String, Int)] = vocab.compactMap { word, id in (id as? NSNumber).map { (word, $0.intValue) } }
        for added in root["added_tokens"] as? [[String: Any]] ?? [] {
            if let word = added["content"] as? String, let id = (added["id"] as? NSNumber)?.intValue { entries.append((word, id)) }
        }
        guard entries.count == vocab.count + (root["added_tokens"] as? [Any] ?? []).count,
              let largest = entries.map(\.1).max(), entries.allSatisfy({ $0.1 >= 0 }), largest < 10_000_000 else {
            throw Unreadable(reason: "has a vocabulary whose ids are not all whole numbers from 0 (or is empty)")
        }
        var words = [String](repeating: "", count: largest + 1)
        for (word, id) in entries.sorted(by: { $0.0 < $1.0 }) where words[id].isEmpty { words[id] = word }
        self.init(vocabulary: words, unknown: model["unk_token"] as? String)
    }

    /// The tokenizer.json a checkpoint folder reads: a word-level tokenizer that splits on whitespace.
    public func json() throws -> Data {
        var vocab: [String: Int] = [:]
        for (id, word) in vocabulary.enumerated() where !word.isEmpty && vocab[word] == nil { vocab[word] = id }
        let specials = vocabulary.enumerated().filter { Self.specialNames.contains($0.element) || $0.element == unknown }
        let added: [[String: Any]] = specials.map { id, word in
            ["id": id, "content": word, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true]
        }
        let object: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": added,
            "normalizer": NSNull(), "pre_tokenizer": ["type": "WhitespaceSplit"], "post_processor": NSNull(), "decoder": NSNull(),
            "model": ["type": "WordLevel", "vocab": vocab, "unk_token": unknown ?? BuiltinTokenizer.unknown],
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    /// Why a tokenizer.json could not be read as a word-level tokenizer.
    public struct Unreadable: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// A word that is not in the vocabulary.
    public struct UnknownWord: Error, CustomStringConvertible {
        public let word: String
        public let refusal: String?
        public var description: String {
            refusal.map { "\($0); give token ids (--ids) instead of text" }
                ?? "'\(word)' is not in the checkpoint's vocabulary (tokenizer.json); words are split on whitespace and matched exactly"
        }
    }

    // MARK: Tokenizer

    static let specialNames = [BuiltinTokenizer.pad, BuiltinTokenizer.unknown, BuiltinTokenizer.classify,
                               BuiltinTokenizer.separator, BuiltinTokenizer.mask, BuiltinTokenizer.beginning, BuiltinTokenizer.end]

    public var vocabularySize: Int { vocabulary.count }

    public func id(_ word: String) -> Int? { ids[word] }

    /// Whitespace-separated words; one outside the vocabulary gets the unknown word's id (or -1,
    /// which no model accepts) and keeps its own text as a label.
    public func tokenize(_ text: String) -> [Token] {
        text.split(whereSeparator: \.isWhitespace).map { word in
            Token(id: ids[String(word)] ?? unknown.flatMap { ids[$0] } ?? -1, text: String(word))
        }
    }

    public func checkEncodable(_ text: String) throws {
        if let refusal { throw UnknownWord(word: "", refusal: refusal) }
        if let word = text.split(whereSeparator: \.isWhitespace).first(where: { ids[String($0)] == nil }) {
            throw UnknownWord(word: String(word), refusal: nil)
        }
    }

    public func encode(_ text: String, for stack: Stack, of architecture: Architecture) -> [Token] {
        let body = tokenize(text)
        func special(_ name: String) -> [Token] { ids[name].map { [Token(id: $0, text: name)] } ?? [] }
        switch (architecture, stack) {
        case (.encoderOnly, _): return special(BuiltinTokenizer.classify) + body + special(BuiltinTokenizer.separator)
        case (.encoderDecoder, .encoder): return body + special(BuiltinTokenizer.end)
        case (_, .decoder), (.decoderOnly, .encoder): return special(BuiltinTokenizer.beginning) + body
        }
    }

    public func label(_ id: Int) -> String {
        id >= 0 && id < vocabulary.count && !vocabulary[id].isEmpty ? vocabulary[id] : "#\(id)"
    }
}
