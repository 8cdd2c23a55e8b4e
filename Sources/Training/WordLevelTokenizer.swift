import Foundation
import Transformer

/// A tokenizer that is just a list of words: text is split on whitespace and each piece is looked up
/// whole. The task models use it — their vocabularies are a few dozen symbols, words and special
/// tokens, and a class can read every id.
///
/// It reads and writes Hugging Face's `tokenizer.json` with a `WordLevel` model and a
/// `WhitespaceSplit` pre-tokenizer, so the file a checkpoint holds opens in the `tokenizers` library
/// (`Tokenizer.from_file`) and gives the same ids.
public struct WordLevelTokenizer: Tokenizer, Equatable {
    /// Every token by id.
    public let vocabulary: [String]
    /// Tokens that are never split or normalised (`<bos>`, `<pad>`, …); written as `added_tokens`.
    public let specials: [String]
    /// What an unknown word becomes. It need not be in the vocabulary: then an unknown word is an
    /// error (here from `ids(_:)`, in `tokenizers` from `encode`), which is what the tasks want.
    public let unknownToken: String
    private let ids: [String: Int]

    public static let defaultUnknown = "<unk>"

    public init(vocabulary: [String], specials: [String] = [], unknownToken: String = WordLevelTokenizer.defaultUnknown) throws {
        var ids: [String: Int] = [:]
        for (id, word) in vocabulary.enumerated() {
            guard !word.isEmpty, !word.contains(where: \.isWhitespace) else {
                throw TokenizerFileError.vocabulary("entry \(id) \"\(word)\" is empty or holds whitespace, so no text could give it")
            }
            guard ids[word] == nil else { throw TokenizerFileError.vocabulary("\"\(word)\" appears twice") }
            ids[word] = id
        }
        if let missing = specials.first(where: { ids[$0] == nil }) {
            throw TokenizerFileError.vocabulary("special token \"\(missing)\" is not in the vocabulary")
        }
        self.vocabulary = vocabulary
        self.specials = specials
        self.unknownToken = unknownToken
        self.ids = ids
    }

    public var vocabularySize: Int { vocabulary.count }
    public func id(_ word: String) -> Int? { ids[word] }

    /// The ids of `text`'s words; the first word outside the vocabulary is an error naming it.
    public func ids(_ text: String) throws -> [Int] {
        try words(text).map { word in
            guard let id = ids[word] ?? ids[unknownToken] else { throw TokenizerFileError.unknownWord(word) }
            return id
        }
    }

    /// `text` split on whitespace. A word outside the vocabulary becomes the unknown token if the
    /// vocabulary has one, and id −1 otherwise (which a model refuses: use `ids(_:)` to be told).
    public func tokenize(_ text: String) -> [Token] {
        words(text).map { Token(id: ids[$0] ?? ids[unknownToken] ?? -1, text: $0) }
    }

    /// A decoder's input starts with `<bos>`, an encoder-decoder's source ends with `<eos>` (when
    /// the vocabulary has them); an encoder-only model reads the words as they are.
    public func encode(_ text: String, for stack: Stack, of architecture: Architecture) -> [Token] {
        let body = tokenize(text)
        let special = { (name: String) in self.ids[name].map { [Token(id: $0, text: name)] } ?? [] }
        switch (architecture, stack) {
        case (.encoderOnly, _): return body
        case (.encoderDecoder, .encoder): return body + special("<eos>")
        case (_, .decoder), (.decoderOnly, .encoder): return special("<bos>") + body
        }
    }

    public func label(_ id: Int) -> String { id >= 0 && id < vocabulary.count ? vocabulary[id] : "#\(id)" }

    /// Whitespace-separated pieces, with special tokens split off wherever they occur
    /// ("x<eos>" → "x", "<eos>"), as the `tokenizers` library treats its added tokens.
    private func words(_ text: String) -> [String] {
        text.split(whereSeparator: \.isWhitespace).flatMap { splittingSpecials(Substring($0)) }
    }

    private func splittingSpecials(_ piece: Substring) -> [String] {
        // The earliest special in the piece (the longest if several start there).
        var found: Range<Substring.Index>?
        for special in specials {
            guard let range = piece.range(of: special) else { continue }
            if let best = found, best.lowerBound < range.lowerBound || (best.lowerBound == range.lowerBound && best.upperBound >= range.upperBound) {
                continue
            }
            found = range
        }
        guard let range = found else { return piece.isEmpty ? [] : [String(piece)] }
        let before = piece[..<range.lowerBound], after = piece[range.upperBound...]
        return (before.isEmpty ? [] : [String(before)]) + [String(piece[range])] + splittingSpecials(after)
    }
}

// MARK: tokenizer.json

extension WordLevelTokenizer {
    /// The `tokenizer.json` text, keys sorted so the same tokenizer gives the same bytes.
    public func json() throws -> Data {
        let added: [[String: Any]] = specials.compactMap { word in
            guard let id = ids[word] else { return nil }
            return ["id": id, "content": word, "single_word": false, "lstrip": false, "rstrip": false,
                    "normalized": false, "special": true]
        }
        let object: [String: Any] = [
            "version": "1.0",
            "truncation": NSNull(), "padding": NSNull(), "normalizer": NSNull(),
            "post_processor": NSNull(), "decoder": NSNull(),
            "added_tokens": added,
            "pre_tokenizer": ["type": "WhitespaceSplit"],
            "model": ["type": "WordLevel", "vocab": Dictionary(uniqueKeysWithValues: vocabulary.enumerated().map { ($1, $0) }),
                      "unk_token": unknownToken] as [String: Any],
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    public func write(to url: URL) throws { try json().write(to: url, options: .atomic) }

    /// Reads a `tokenizer.json` whose model is `WordLevel`. Its ids must be 0..<n with none
    /// missing; the pre-tokenizer, if any, must split on whitespace as this tokenizer does.
    public init(json data: Data) throws {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TokenizerFileError.format("is not a JSON object")
        }
        guard let model = object["model"] as? [String: Any] else { throw TokenizerFileError.format("has no \"model\"") }
        guard let type = model["type"] as? String, type == "WordLevel" else {
            throw TokenizerFileError.format("has model type \(model["type"].map { "\($0)" } ?? "none"); only WordLevel is read")
        }
        if let pre = object["pre_tokenizer"] as? [String: Any], let kind = pre["type"] as? String,
           !["WhitespaceSplit", "Whitespace"].contains(kind) {
            throw TokenizerFileError.format("has pre-tokenizer \(kind); a word-level tokenizer here splits on whitespace")
        }
        guard let vocab = model["vocab"] as? [String: Any] else { throw TokenizerFileError.format("has no model.vocab") }
        var byID = [String?](repeating: nil, count: vocab.count)
        for (word, value) in vocab {
            guard let id = value as? Int, id >= 0, id < vocab.count, byID[id] == nil else {
                throw TokenizerFileError.format("model.vocab gives \"\(word)\" id \(value); ids must be 0..<\(vocab.count), each once")
            }
            byID[id] = word
        }
        let added = (object["added_tokens"] as? [[String: Any]] ?? []).compactMap { $0["content"] as? String }
        try self.init(vocabulary: byID.compactMap { $0 }, specials: added,
                      unknownToken: model["unk_token"] as? String ?? Self.defaultUnknown)
    }

    public static func read(_ url: URL) throws -> WordLevelTokenizer {
        try WordLevelTokenizer(json: Data(contentsOf: url))
    }
}

/// What can go wrong with a word-level tokenizer or its file; each reads as one line for a user.
public enum TokenizerFileError: Error, CustomStringConvertible, Equatable {
    case vocabulary(String)
    case format(String)
    case unknownWord(String)

    public var description: String {
        switch self {
        case .vocabulary(let what): "bad vocabulary: \(what)"
        case .format(let what): "tokenizer.json \(what)"
        case .unknownWord(let word): "unknown word \"\(word)\""
        }
    }
}
