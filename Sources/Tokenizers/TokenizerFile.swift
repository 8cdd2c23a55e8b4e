import Foundation

/// A Hugging Face tokenizer, read from its tokenizer.json, that gives the same ids as the
/// `tokenizers` library: added tokens found first, then the normaliser, the pre-tokenizer, the
/// model (WordPiece, BPE — byte-level or SentencePiece-style —, Unigram or WordLevel) and, when
/// asked, the special tokens of the post-processor.
///
/// Not read: truncation and padding (the caller decides how long a sequence may be; the file's
/// maximum is `truncationLength`), the decoder (see `displayLabel`), BPE dropout (which makes
/// encodings random), type ids and pairs of sequences.
public struct TokenizerFile: Sendable {
    public enum ModelKind: String, Sendable {
        case wordPiece = "WordPiece", bpe = "BPE", unigram = "Unigram", wordLevel = "WordLevel"
    }

    /// A token of an encoding: its id and its vocabulary entry (as `token(forId:)` gives it).
    public struct Piece: Sendable, Equatable {
        public let id: Int
        public let token: String
        public init(id: Int, token: String) { self.id = id; self.token = token }
    }

    public let modelKind: ModelKind
    /// Number of ids: one more than the largest id of the vocabulary and the added tokens. A
    /// model for this tokenizer has at least this many embedding rows.
    public let vocabularySize: Int
    /// The longest encoding the file asks for (`truncation.max_length`); `encode` does not cut.
    public let truncationLength: Int?
    /// The model's token for what it cannot read, if it has one.
    public var unknownTokenId: Int? { model.unknownId }

    let model: Model
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let postProcessor: PostProcessor?
    let addedTokens: [AddedToken]
    let matcher: AddedTokenMatcher
    /// Each id's token: an added token's content, else the model's entry; nil for an unused id.
    let tokensById: [Scalars?]
    let addedIds: [Scalars: Int]
    let display: DisplayStyle

    /// No id may reach this (4,194,304; the largest vocabularies hold about 260,000 tokens): a
    /// file that claims more is broken, not big.
    static let idLimit = 1 << 22

    /// Reads tokenizer.json's contents. `file` names it in errors.
    public init(json: Data, file: String = "tokenizer.json") throws(TokenizerJSONError) {
        let root: JSONValue
        do {
            root = try JSONParser.parse(json)
        } catch {
            throw TokenizerJSONError(file: file, field: nil, problem: "is not valid JSON: \(error.message)")
        }
        do {
            try self.init(root: Field(value: root, path: ""))
        } catch {
            throw TokenizerJSONError(file: file, field: error.field, problem: error.problem)
        }
    }

    /// Reads the tokenizer.json at `url`; errors name its path.
    public init(contentsOf url: URL) throws(TokenizerJSONError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerJSONError(file: url.path, field: nil, problem: "cannot be read")
        }
        try self.init(json: data, file: url.path)
    }

    private init(root: Field) throws(Field.Problem) {
        guard case .object? = root.value else { throw Field.Problem(field: nil, problem: "must hold a JSON object") }
        model = try Model.parse(root["model"])
        modelKind = model.kind
        normalizer = try Normalizer.parse(root["normalizer"])
        preTokenizer = try PreTokenizer.parse(root["pre_tokenizer"])
        let vocabulary = model.vocabulary
        addedTokens = try Self.parseAddedTokens(root["added_tokens"], vocabulary: vocabulary)
        let largestId = max(vocabulary.count - 1, addedTokens.map(\.id).max() ?? -1)
        vocabularySize = largestId + 1
        // The ids it adds must be ids of this vocabulary: a model indexes its embedding with them.
        postProcessor = try PostProcessor.parse(root["post_processor"], idLimit: vocabularySize)
        truncationLength = try root["truncation"]["max_length"].optionalIndex(below: Int.max)
        matcher = AddedTokenMatcher(tokens: addedTokens, normalizer: normalizer)

        var tokens = [Scalars?](repeating: nil, count: vocabularySize)
        for (id, token) in vocabulary.tokens.enumerated() { tokens[id] = token }
        var addedIds: [Scalars: Int] = [:]
        for token in addedTokens {
            tokens[token.id] = token.content
            addedIds[token.content] = token.id
        }
        tokensById = tokens
        self.addedIds = addedIds
        display = DisplayStyle(root: root, normalizer: normalizer, preTokenizer: preTokenizer)
    }

    /// The added tokens, in file order. One whose content is in the model's vocabulary takes the
    /// model's id, as in `tokenizers`; any other keeps its own, which must be free.
    private static func parseAddedTokens(_ field: Field, vocabulary: Vocabulary) throws(Field.Problem) -> [AddedToken] {
        if field.isMissingOrNull { return [] }
        var tokens: [AddedToken] = []
        for item in try field.array() {
            let content = Array(try item["content"].string().unicodeScalars)
            let special = try item["special"].bool(default: false)
            var id = try item["id"].index(below: idLimit)
            if let modelId = vocabulary.id(content) {
                id = modelId
            } else if id < vocabulary.count {
                throw item["id"].problem("is \(id), the id of model token "
                    + "\(quoted(String(String.UnicodeScalarView(vocabulary.tokens[id])))); an added token needs an id of its own")
            }
            tokens.append(AddedToken(
                id: id, content: content, isSpecial: special,
                singleWord: try item["single_word"].bool(default: false),
                takesSpaceBefore: try item["lstrip"].bool(default: false),
                takesSpaceAfter: try item["rstrip"].bool(default: false),
                matchesNormalized: try item["normalized"].bool(default: !special)))
        }
        return tokens
    }

    // MARK: Encoding

    /// The ids of `text`; with `addSpecialTokens`, framed as the post-processor says
    /// (`[CLS] … [SEP]`, `<s> … </s>`, …). Special tokens typed in the text are found either way.
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        let regexes = RegexCache.forThisThread
        var ids: [Int] = []
        for part in matcher.split(Array(text.unicodeScalars), normalizer: normalizer, regexes: regexes) {
            switch part {
            case .added(let id):
                ids.append(id)
            case .text(let segment):
                let words = preTokenizer?.apply(to: [segment], regexes: regexes) ?? [segment]
                for word in words { ids += model.tokenize(word.text) }
            }
        }
        guard addSpecialTokens, let postProcessor else { return ids }
        return postProcessor.frame(ids)
    }

    /// `encode`'s ids, each with its token.
    public func encodePieces(_ text: String, addSpecialTokens: Bool = true) -> [Piece] {
        encode(text, addSpecialTokens: addSpecialTokens).map { Piece(id: $0, token: token(forId: $0) ?? "") }
    }

    /// The special tokens the post-processor puts before and after a sequence's ids.
    public var specialTokensAround: (before: [Int], after: [Int]) {
        guard let postProcessor else { return ([], []) }
        let marker = -1
        let framed = postProcessor.frame([marker])
        guard let index = framed.firstIndex(of: marker) else { return (framed, []) }
        return (Array(framed[..<index]), Array(framed[(index + 1)...]))
    }

    // MARK: Lookups

    /// The id of a token, written exactly as in the vocabulary (`##ing`, `Ġthe`, `▁the`, `[CLS]`).
    public func id(forToken token: String) -> Int? {
        let scalars = Array(token.unicodeScalars)
        return addedIds[scalars] ?? model.vocabulary.id(scalars)
    }

    /// An id's vocabulary entry, exactly as stored (nil past the end or for an unused id).
    public func token(forId id: Int) -> String? {
        guard id >= 0, id < tokensById.count, let token = tokensById[id] else { return nil }
        return String(String.UnicodeScalarView(token))
    }

    /// The added tokens marked special (`[CLS]`, `<s>`, `<|endoftext|>`, …), by id.
    public var specialTokens: [Piece] {
        addedTokens.filter(\.isSpecial).sorted { $0.id < $1.id }
            .map { Piece(id: $0.id, token: String(String.UnicodeScalarView($0.content))) }
    }

    public func isSpecial(_ id: Int) -> Bool { addedTokens.contains { $0.id == id && $0.isSpecial } }
}
