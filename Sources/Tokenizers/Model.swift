/// The model of tokenizer.json: turns one word into ids.
enum Model: Sendable {
    case wordPiece(WordPieceModel)
    case bpe(BPEModel)
    case unigram(UnigramModel)
    case wordLevel(WordLevelModel)

    static func parse(_ field: Field) throws(Field.Problem) -> Model {
        guard case .object? = field.value else {
            throw field.problem(field.value == nil ? "is missing" : "must be an object, not \(field.value?.kindName ?? "")")
        }
        switch try kind(of: field) {
        case .wordPiece: return .wordPiece(try WordPieceModel.parse(field))
        case .bpe: return .bpe(try BPEModel.parse(field))
        case .unigram: return .unigram(try UnigramModel.parse(field))
        case .wordLevel: return .wordLevel(try WordLevelModel.parse(field))
        }
    }

    /// The model's `type`; files from older versions of `tokenizers` may leave it out, and then
    /// the fields tell (merges: BPE; a list of scored pieces: Unigram; a sub-word prefix: WordPiece).
    private static func kind(of field: Field) throws(Field.Problem) -> TokenizerFile.ModelKind {
        if let type = try field["type"].optionalString() {
            guard let kind = TokenizerFile.ModelKind(rawValue: type) else {
                throw field["type"].problem("is \(quoted(type)); attnlab reads WordPiece, BPE, Unigram and WordLevel models")
            }
            return kind
        }
        if !field["merges"].isMissingOrNull { return .bpe }
        if case .array? = field["vocab"].value { return .unigram }
        if !field["continuing_subword_prefix"].isMissingOrNull || !field["max_input_chars_per_word"].isMissingOrNull {
            return .wordPiece
        }
        return .wordLevel
    }

    var kind: TokenizerFile.ModelKind {
        switch self {
        case .wordPiece: return .wordPiece
        case .bpe: return .bpe
        case .unigram: return .unigram
        case .wordLevel: return .wordLevel
        }
    }

    var vocabulary: Vocabulary {
        switch self {
        case .wordPiece(let model): return model.vocabulary
        case .bpe(let model): return model.vocabulary
        case .unigram(let model): return model.vocabulary
        case .wordLevel(let model): return model.vocabulary
        }
    }

    var unknownId: Int? {
        switch self {
        case .wordPiece(let model): return model.unknownId
        case .bpe(let model): return model.unknownId
        case .unigram(let model): return model.unknownId
        case .wordLevel(let model): return model.unknownId
        }
    }

    func tokenize(_ word: Scalars) -> [Int] {
        switch self {
        case .wordPiece(let model): return model.tokenize(word)
        case .bpe(let model): return model.tokenize(word)
        case .unigram(let model): return model.tokenize(word)
        case .wordLevel(let model): return model.tokenize(word)
        }
    }
}
