/// SentencePiece's Unigram model (T5, ALBERT, XLNet): every piece has a score (a log probability),
/// and a word is cut into the pieces whose scores sum highest (Viterbi). A character no piece
/// covers is unknown and scores 10 below the lowest piece; neighbouring unknowns are fused, then
/// written as `<0xNN>` bytes with `byteFallback`, else as the unknown token.
struct UnigramModel: Sendable {
    let vocabulary: Vocabulary
    let scores: [Double]
    let unknownId: Int?
    let byteFallback: Bool
    let byteIds: [Int?]
    private let trie: PieceTrie
    private let unknownScore: Double

    static func parse(_ field: Field) throws(Field.Problem) -> UnigramModel {
        var tokens: [Scalars] = []
        var scores: [Double] = []
        for item in try field["vocab"].array() {
            let pair = try item.array()
            guard pair.count == 2 else { throw item.problem("must be a piece and its score, not \(pair.count) values") }
            tokens.append(Array(try pair[0].string().unicodeScalars))
            scores.append(try pair[1].double())
        }
        let vocabulary = Vocabulary(tokens: tokens)
        let unknownId = try field["unk_id"].optionalIndex(below: max(tokens.count, 1))
        if unknownId != nil && tokens.isEmpty { throw field["vocab"].problem("is empty") }
        return UnigramModel(vocabulary: vocabulary, scores: scores, unknownId: unknownId,
                            byteFallback: try field["byte_fallback"].bool(default: false))
    }

    init(vocabulary: Vocabulary, scores: [Double], unknownId: Int?, byteFallback: Bool) {
        self.vocabulary = vocabulary
        self.scores = scores
        self.unknownId = unknownId
        self.byteFallback = byteFallback
        byteIds = byteTokenIds(in: vocabulary)
        trie = PieceTrie(vocabulary: vocabulary)
        unknownScore = (scores.min() ?? 0) - 10
    }

    func tokenize(_ word: Scalars) -> [Int] {
        var ids: [Int] = []
        for piece in bestPieces(word) {
            if let id = vocabulary.id(piece) {
                ids.append(id)
            } else if byteFallback, let bytes = byteFallbackIds(piece, byteIds: byteIds) {
                ids += bytes
            } else if let unknownId {
                ids.append(unknownId)
            }
        }
        return ids
    }

    /// The best-scoring cut of `word`, with runs of unknown characters fused into one piece.
    /// Ties keep the first candidate found; candidates are tried from each start position in
    /// order of length, as `tokenizers` does, so equal scores fall the same way.
    private func bestPieces(_ word: Scalars) -> [Scalars] {
        guard !word.isEmpty else { return [] }
        struct Best { var id = 0; var score = 0.0; var start: Int? }
        var best = [Best](repeating: Best(), count: word.count + 1)
        for start in 0..<word.count {
            let scoreSoFar = best[start].score
            var coversOneCharacter = false
            trie.forEachPrefix(of: word, from: start) { end, id in
                let candidate = scores[id] + scoreSoFar
                if best[end].start == nil || candidate > best[end].score {
                    best[end] = Best(id: id, score: candidate, start: start)
                }
                if end == start + 1 { coversOneCharacter = true }
            }
            if !coversOneCharacter {
                let candidate = unknownScore + scoreSoFar
                if best[start + 1].start == nil || candidate > best[start + 1].score {
                    // Without an unknown token `tokenizers` fails here; the piece is then left out.
                    best[start + 1] = Best(id: unknownId ?? -1, score: candidate, start: start)
                }
            }
        }
        var pieces: [Scalars] = []
        var unknownRun: [Scalars] = []
        var end = word.count
        while end > 0, let start = best[end].start {
            let piece = Array(word[start..<end])
            if best[end].id == (unknownId ?? -1) {
                unknownRun.append(piece)
            } else {
                if !unknownRun.isEmpty { pieces.append(unknownRun.reversed().flatMap { $0 }); unknownRun = [] }
                pieces.append(piece)
            }
            end = start
        }
        if !unknownRun.isEmpty { pieces.append(unknownRun.reversed().flatMap { $0 }) }
        return pieces.reversed()
    }
}

/// The vocabulary's pieces as a trie over characters, to find every piece that starts a text at
/// a given place, shortest first. A piece listed twice is found with its last id.
private struct PieceTrie: Sendable {
    private var children: [[Unicode.Scalar: Int]] = [[:]]
    private var ids: [Int?] = [nil]

    init(vocabulary: Vocabulary) {
        for (id, piece) in vocabulary.tokens.enumerated() where !piece.isEmpty {
            var node = 0
            for scalar in piece {
                if let next = children[node][scalar] {
                    node = next
                } else {
                    children.append([:])
                    ids.append(nil)
                    children[node][scalar] = children.count - 1
                    node = children.count - 1
                }
            }
            ids[node] = id
        }
    }

    /// Calls `body(end, id)` for every piece equal to `text[start..<end]`, in order of `end`.
    func forEachPrefix(of text: Scalars, from start: Int, _ body: (Int, Int) -> Void) {
        var node = 0
        var position = start
        while position < text.count, let next = children[node][text[position]] {
            node = next
            position += 1
            if let id = ids[node] { body(position, id) }
        }
    }
}
