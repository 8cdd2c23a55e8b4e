/// BERT's WordPiece: each word is cut greedily into the longest vocabulary entries from its start,
/// every piece after the first written with `##`. A word that cannot be cut completely — or is
/// longer than `maxCharactersPerWord` — becomes the unknown token as a whole.
struct WordPieceModel: Sendable {
    let vocabulary: Vocabulary
    let unknownId: Int
    let continuingPrefix: Scalars
    let maxCharactersPerWord: Int

    static func parse(_ field: Field) throws(Field.Problem) -> WordPieceModel {
        let vocabulary = try Vocabulary.parseMap(field["vocab"])
        let unknownField = field["unk_token"]
        let unknownId: Int?
        if unknownField.isMissingOrNull {
            unknownId = vocabulary.id("[UNK]")  // the default, when the file names none
            if unknownId == nil { throw unknownField.problem("is missing, and model.vocab has no \"[UNK]\"") }
        } else {
            unknownId = try unknownTokenId(unknownField, in: vocabulary, required: true)
        }
        let prefix = try field["continuing_subword_prefix"].optionalString() ?? "##"
        let maximum = try field["max_input_chars_per_word"].optionalIndex(below: Int.max) ?? 100
        return WordPieceModel(vocabulary: vocabulary, unknownId: unknownId ?? 0, continuingPrefix: Array(prefix.unicodeScalars),
                              maxCharactersPerWord: maximum)
    }

    func tokenize(_ word: Scalars) -> [Int] {
        if word.count > maxCharactersPerWord { return [unknownId] }
        var ids: [Int] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int?
            while start < end {
                let piece = start > 0 ? continuingPrefix + word[start..<end] : Array(word[start..<end])
                if let id = vocabulary.id(piece) {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return [unknownId] }
            ids.append(id)
            start = end
        }
        return ids
    }
}

/// A word-level model: each word is a token, or the unknown token.
struct WordLevelModel: Sendable {
    let vocabulary: Vocabulary
    let unknownId: Int?

    static func parse(_ field: Field) throws(Field.Problem) -> WordLevelModel {
        let vocabulary = try Vocabulary.parseMap(field["vocab"])
        let unknownField = field["unk_token"]
        let unknownId = unknownField.isMissingOrNull
            ? vocabulary.id("<unk>")  // the default, when the file names none
            : try unknownTokenId(unknownField, in: vocabulary, required: false)
        return WordLevelModel(vocabulary: vocabulary, unknownId: unknownId)
    }

    /// The word's id; a word the vocabulary lacks is the unknown token, or left out without one.
    func tokenize(_ word: Scalars) -> [Int] {
        if let id = vocabulary.id(word) { return [id] }
        return unknownId.map { [$0] } ?? []
    }
}
