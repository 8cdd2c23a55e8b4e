/// A model's tokens and their ids, 0 to count − 1.
///
/// Keys are scalar arrays, not Swift strings: Swift's `==` treats "é" and "e\u{301}" as equal,
/// while a vocabulary may hold both as different tokens.
struct Vocabulary: Sendable {
    /// Each id's token.
    let tokens: [Scalars]
    private let ids: [Scalars: Int]

    /// A vocabulary from tokens in id order; a token listed twice keeps its last id, as in
    /// `tokenizers`' Unigram.
    init(tokens: [Scalars]) {
        self.tokens = tokens
        var ids: [Scalars: Int] = [:]
        ids.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() { ids[token] = id }
        self.ids = ids
    }

    var count: Int { tokens.count }

    func id(_ token: Scalars) -> Int? { ids[token] }

    func id(_ token: String) -> Int? { ids[Array(token.unicodeScalars)] }

    /// Reads a `{token: id}` object whose ids run from 0 to count − 1, each once.
    static func parseMap(_ field: Field) throws(Field.Problem) -> Vocabulary {
        let members = try field.members()
        var tokens = [Scalars?](repeating: nil, count: members.count)
        for (token, idField) in members {
            let id = try idField.index(below: Int.max)
            guard id < members.count else {
                throw idField.problem("is \(id), but the \(members.count) ids of a vocabulary must run from 0 to \(members.count - 1) without gaps")
            }
            if let other = tokens[id] {
                throw idField.problem("is \(id), the id of \(quoted(String(String.UnicodeScalarView(other)))) too; every token needs its own id")
            }
            tokens[id] = Array(token.unicodeScalars)
        }
        // Every slot is filled: as many distinct ids below count as there are tokens.
        return Vocabulary(tokens: tokens.map { $0 ?? [] })
    }
}

/// A model's unknown token, read from `unk_token`. When `required`, it must be named and be in
/// the vocabulary; otherwise one the vocabulary lacks counts as none (`tokenizers` fails only once
/// it needs it; attnlab then leaves the character out).
func unknownTokenId(_ field: Field, in vocabulary: Vocabulary, required: Bool) throws(Field.Problem) -> Int? {
    guard let name = try field.optionalString() else {
        if required { throw field.problem("is missing; this model needs a token for unknown words") }
        return nil
    }
    guard let id = vocabulary.id(name) else {
        if required { throw field.problem("is \(quoted(name)), which is not in model.vocab") }
        return nil
    }
    return id
}

/// The id of each byte's SentencePiece byte token `<0xNN>`, where the vocabulary has it.
func byteTokenIds(in vocabulary: Vocabulary) -> [Int?] {
    (0..<256).map { byte in vocabulary.id(byteTokenName(UInt8(byte))) }
}

/// SentencePiece's name for a byte: `<0x0A>`, two upper-case hex digits.
func byteTokenName(_ byte: UInt8) -> String {
    let hex = String(byte, radix: 16, uppercase: true)
    return "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
}

/// The byte tokens of `text`'s UTF-8 bytes, when the vocabulary has every one of them.
func byteFallbackIds(_ text: Scalars, byteIds: [Int?]) -> [Int]? {
    var out: [Int] = []
    for scalar in text {
        var missing = false
        UTF8.encode(scalar) { byte in
            if let id = byteIds[Int(byte)] { out.append(id) } else { missing = true }
        }
        if missing { return nil }
    }
    return out
}
