/// A token of tokenizer.json's `added_tokens`: found in the text as a whole before the text is
/// normalised and cut (special tokens such as `[CLS]` and `<|endoftext|>`, and any others).
struct AddedToken: Sendable {
    let id: Int
    let content: Scalars
    let isSpecial: Bool
    /// Matches only with no word character on either side.
    let singleWord: Bool
    /// Takes the whitespace on its left (`lstrip`) or right (`rstrip`) with it.
    let takesSpaceBefore: Bool
    let takesSpaceAfter: Bool
    /// Matched in the normalised text, as normalised, rather than in the text as typed.
    let matchesNormalized: Bool
}

/// A piece of the input after the added tokens are found: an added token's id, or text.
enum InputPart {
    case added(Int)
    case text(Segment)
}

/// Finds added tokens in text as `tokenizers` does: the leftmost match, the longest of those
/// starting there, then on after it. Tokens that match the text as typed are found first; the
/// rest of the text is normalised; then tokens marked `normalized` are found in that, by their
/// own normalised form.
struct AddedTokenMatcher: Sendable {
    private let asTyped: PatternSet
    private let normalized: PatternSet

    init(tokens: [AddedToken], normalizer: Normalizer?) {
        let regexes = RegexCache()
        var typed: [(Scalars, AddedToken)] = []
        var normalised: [(Scalars, AddedToken)] = []
        for token in tokens where !token.content.isEmpty {
            if token.matchesNormalized {
                var segment = Segment(text: token.content, startsInput: true)
                normalizer?.apply(to: &segment, regexes: regexes)
                normalised.append((segment.text, token))
            } else {
                typed.append((token.content, token))
            }
        }
        asTyped = PatternSet(typed)
        normalized = PatternSet(normalised)
    }

    /// `text` cut into added tokens and normalised text.
    func split(_ text: Scalars, normalizer: Normalizer?, regexes: RegexCache) -> [InputPart] {
        var parts: [InputPart] = []
        for part in asTyped.split(Segment(text: text, startsInput: true)) {
            guard case .text(var segment) = part else { parts.append(part); continue }
            normalizer?.apply(to: &segment, regexes: regexes)
            parts += normalized.split(segment)
        }
        return parts
    }
}

/// A set of patterns (added tokens' texts) to find in text.
private struct PatternSet: Sendable {
    /// The patterns by first character, longest first.
    private let byFirstCharacter: [Unicode.Scalar: [(pattern: Scalars, token: AddedToken)]]

    init(_ patterns: [(Scalars, AddedToken)]) {
        var table: [Unicode.Scalar: [(pattern: Scalars, token: AddedToken)]] = [:]
        // Two tokens with one pattern: the later one wins, as in a map built in file order.
        var seen: [Scalars: Int] = [:]
        var unique: [(Scalars, AddedToken)] = []
        for (pattern, token) in patterns where !pattern.isEmpty {
            if let index = seen[pattern] { unique[index] = (pattern, token) } else { seen[pattern] = unique.count; unique.append((pattern, token)) }
        }
        for (pattern, token) in unique { table[pattern[0], default: []].append((pattern, token)) }
        byFirstCharacter = table.mapValues { $0.sorted { $0.pattern.count > $1.pattern.count } }
    }

    /// The longest pattern that starts at `position`.
    private func longestMatch(in text: Scalars, at position: Int) -> (pattern: Scalars, token: AddedToken)? {
        guard let candidates = byFirstCharacter[text[position]] else { return nil }
        return candidates.first { candidate in
            position + candidate.pattern.count <= text.count
                && text[position..<position + candidate.pattern.count].elementsEqual(candidate.pattern)
        }
    }

    /// `segment` cut into added tokens and the text between them (empty pieces left out).
    func split(_ segment: Segment) -> [InputPart] {
        let text = segment.text
        if byFirstCharacter.isEmpty || text.isEmpty { return text.isEmpty ? [] : [.text(segment)] }
        var parts: [InputPart] = []
        var textStart = 0
        var position = 0
        func addText(upTo end: Int) {
            if textStart < end {
                parts.append(.text(Segment(text: Array(text[textStart..<end]), startsInput: segment.startsInput && textStart == 0)))
            }
        }
        while position < text.count {
            guard let (pattern, token) = longestMatch(in: text, at: position) else { position += 1; continue }
            var start = position
            var end = position + pattern.count
            position = end  // matches never overlap, kept or not
            if token.singleWord {
                let wordBefore = start > 0 && CharacterClass.isWordCharacter(text[start - 1])
                let wordAfter = end < text.count && CharacterClass.isWordCharacter(text[end])
                if wordBefore || wordAfter { continue }
            }
            if token.takesSpaceBefore {
                while start > textStart && CharacterClass.isWhitespace(text[start - 1]) { start -= 1 }
            }
            if token.takesSpaceAfter {
                while end < text.count && CharacterClass.isWhitespace(text[end]) { end += 1 }
            }
            addText(upTo: start)
            parts.append(.added(token.id))
            textStart = end
            position = max(position, end)
        }
        addText(upTo: text.count)
        return parts
    }
}
