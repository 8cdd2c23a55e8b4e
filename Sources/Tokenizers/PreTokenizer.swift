/// What a split does with the delimiters it finds (`the-final--countdown` split on `-`):
/// removed `the|final|countdown`; isolated `the|-|final|-|-|countdown`; merged with the previous
/// piece `the-|final-|-|countdown`; merged with the next `the|-final|-|-countdown`; contiguous
/// `the|-|final|--|countdown`.
enum SplitBehavior: Sendable {
    case removed, isolated, mergedWithPrevious, mergedWithNext, contiguous

    static func parse(_ field: Field, default fallback: SplitBehavior? = nil) throws(Field.Problem) -> SplitBehavior {
        if field.isMissingOrNull, let fallback { return fallback }
        let name = try field.string()
        switch name {
        case "Removed": return .removed
        case "Isolated": return .isolated
        case "MergedWithPrevious": return .mergedWithPrevious
        case "MergedWithNext": return .mergedWithNext
        case "Contiguous": return .contiguous
        default:
            throw field.problem("is \(quoted(name)); it must be Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous")
        }
    }

    /// The ranges `pieces` become (empty ones included; the caller drops them).
    func ranges(of pieces: [MatchPiece]) -> [Range<Int>] {
        switch self {
        case .isolated:
            return pieces.map(\.range)
        case .removed:
            return pieces.filter { !$0.isMatch }.map(\.range)
        case .contiguous:
            var out: [Range<Int>] = []
            var previousWasMatch = false
            for piece in pieces {
                if piece.isMatch == previousWasMatch, let last = out.last {
                    out[out.count - 1] = last.lowerBound..<piece.range.upperBound
                } else {
                    out.append(piece.range)
                }
                previousWasMatch = piece.isMatch
            }
            return out
        case .mergedWithPrevious:
            var out: [Range<Int>] = []
            var previousWasMatch = false
            for piece in pieces {
                if piece.isMatch && !previousWasMatch, let last = out.last {
                    out[out.count - 1] = last.lowerBound..<piece.range.upperBound
                } else {
                    out.append(piece.range)
                }
                previousWasMatch = piece.isMatch
            }
            return out
        case .mergedWithNext:
            var reversed: [Range<Int>] = []
            var nextWasMatch = false
            for piece in pieces.reversed() {
                if piece.isMatch && !nextWasMatch, let last = reversed.last {
                    reversed[reversed.count - 1] = piece.range.lowerBound..<last.upperBound
                } else {
                    reversed.append(piece.range)
                }
                nextWasMatch = piece.isMatch
            }
            return reversed.reversed()
        }
    }
}

/// When the Metaspace pre-tokenizer puts its word-start mark before a piece that lacks one.
enum PrependScheme: Sendable { case always, first, never }

/// A pre-tokenizer from tokenizer.json: cuts normalised text into the words the model sees.
indirect enum PreTokenizer: Sendable {
    /// Whitespace separates words, and every punctuation character is a word of its own.
    case bert
    /// Runs of word characters (`\w+`) and runs of other non-space characters (`[^\w\s]+`).
    case whitespace
    case whitespaceSplit
    /// Optionally a space before the text, GPT-2's regex, then every byte as a character of the
    /// byte alphabet.
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case split(TextPattern, SplitBehavior, invert: Bool)
    /// Spaces become `replacement` (SentencePiece's `▁`), a mark before the text per `prepend`,
    /// then (with `split`) a new word at every mark.
    case metaspace(replacement: Unicode.Scalar, prepend: PrependScheme, split: Bool)
    case digits(individually: Bool)
    case punctuation(SplitBehavior)
    case charDelimiterSplit(Unicode.Scalar)
    case sequence([PreTokenizer])

    /// GPT-2's regex: contractions, letters, digits, other symbols, each with one space before it;
    /// runs of whitespace leave their last space to the word that follows.
    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    static func parse(_ field: Field) throws(Field.Problem) -> PreTokenizer? {
        if field.isMissingOrNull { return nil }
        let type = try field.typeName()
        switch type {
        case "BertPreTokenizer": return .bert
        case "Whitespace": return .whitespace
        case "WhitespaceSplit": return .whitespaceSplit
        case "ByteLevel":
            return .byteLevel(addPrefixSpace: try field["add_prefix_space"].bool(default: true),
                              useRegex: try field["use_regex"].bool(default: true))
        case "Split":
            return .split(try TextPattern.parse(field["pattern"]), try SplitBehavior.parse(field["behavior"]),
                          invert: try field["invert"].bool(default: false))
        case "Metaspace":
            return try parseMetaspace(field)
        case "Digits": return .digits(individually: try field["individual_digits"].bool(default: false))
        case "Punctuation": return .punctuation(try SplitBehavior.parse(field["behavior"], default: .isolated))
        case "CharDelimiterSplit": return .charDelimiterSplit(try singleCharacter(field["delimiter"]))
        case "Sequence":
            return .sequence(try field["pretokenizers"].list(parse))
        default:
            throw field["type"].problem("is \(quoted(type)); attnlab reads the pre-tokenizers BertPreTokenizer, Whitespace, "
                + "WhitespaceSplit, ByteLevel, Split, Metaspace, Digits, Punctuation, CharDelimiterSplit and Sequence")
        }
    }

    private static func parseMetaspace(_ field: Field) throws(Field.Problem) -> PreTokenizer {
        var scheme = PrependScheme.always
        if let name = try field["prepend_scheme"].optionalString() {
            switch name {
            case "always": scheme = .always
            case "first": scheme = .first
            case "never": scheme = .never
            default: throw field["prepend_scheme"].problem("is \(quoted(name)); it must be always, first or never")
            }
        }
        // Files from before prepend_scheme say add_prefix_space instead.
        if try field["add_prefix_space"].optionalBool() == false { scheme = .never }
        return .metaspace(replacement: try singleCharacter(field["replacement"]), prepend: scheme,
                          split: try field["split"].bool(default: true))
    }

    private static func singleCharacter(_ field: Field) throws(Field.Problem) -> Unicode.Scalar {
        let text = try field.string()
        guard text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first else {
            throw field.problem("is \(quoted(text)); it must be one character")
        }
        return scalar
    }

    /// The words of `segments`, in order.
    func apply(to segments: [Segment], regexes: RegexCache) -> [Segment] {
        switch self {
        case .bert:
            let words = Self.cut(segments, .removed) { TextPattern.pieces(of: $0, where: CharacterClass.isWhitespace) }
            return Self.cut(words, .isolated) { TextPattern.pieces(of: $0, where: CharacterClass.isPunctuation) }
        case .whitespace:
            return segments.flatMap(Self.wordsAndSymbols)
        case .whitespaceSplit:
            return Self.cut(segments, .removed) { TextPattern.pieces(of: $0, where: CharacterClass.isWhitespace) }
        case .byteLevel(let addPrefixSpace, let useRegex):
            var pieces = segments
            if addPrefixSpace {
                // Only before text: `tokenizers` prepends by marking a first character.
                pieces = pieces.map { $0.text.isEmpty || $0.text.first == " " ? $0 : Segment(text: [" "] + $0.text, startsInput: $0.startsInput) }
            }
            if useRegex {
                pieces = Self.cut(pieces, .isolated) { TextPattern.regex(Self.gpt2Pattern).pieces(of: $0, regexes: regexes) }
            }
            return pieces.map { Segment(text: ByteAlphabet.encode($0.text), startsInput: $0.startsInput) }
        case .split(let pattern, let behavior, let invert):
            return Self.cut(segments, behavior) { text in
                pattern.pieces(of: text, regexes: regexes).map { MatchPiece(range: $0.range, isMatch: $0.isMatch != invert) }
            }
        case .metaspace(let mark, let prepend, let split):
            let marked = segments.map { segment -> Segment in
                var text = segment.text.map { $0 == " " ? mark : $0 }
                let wantsMark = prepend == .always || (prepend == .first && segment.startsInput)
                if wantsMark && !text.isEmpty && text.first != mark { text.insert(mark, at: 0) }
                return Segment(text: text, startsInput: segment.startsInput)
            }
            guard split else { return marked }
            return Self.cut(marked, .mergedWithNext) { TextPattern.pieces(of: $0) { $0 == mark } }
        case .digits(let individually):
            return Self.cut(segments, individually ? .isolated : .contiguous) { TextPattern.pieces(of: $0, where: CharacterClass.isNumeric) }
        case .punctuation(let behavior):
            return Self.cut(segments, behavior) { TextPattern.pieces(of: $0, where: CharacterClass.isPunctuation) }
        case .charDelimiterSplit(let delimiter):
            return Self.cut(segments, .removed) { TextPattern.pieces(of: $0) { $0 == delimiter } }
        case .sequence(let steps):
            return steps.reduce(segments) { $1.apply(to: $0, regexes: regexes) }
        }
    }

    /// Each segment cut where `find` says, as `behavior` says; empty pieces are dropped.
    private static func cut(_ segments: [Segment], _ behavior: SplitBehavior,
                            find: (Scalars) -> [MatchPiece]) -> [Segment] {
        var out: [Segment] = []
        for segment in segments {
            for range in behavior.ranges(of: find(segment.text)) where !range.isEmpty {
                out.append(Segment(text: Array(segment.text[range]), startsInput: segment.startsInput && range.lowerBound == 0))
            }
        }
        return out
    }

    /// The Whitespace pre-tokenizer's words: `\w+` and `[^\w\s]+`, whitespace dropped.
    private static func wordsAndSymbols(_ segment: Segment) -> [Segment] {
        enum Kind { case word, symbol, space }
        func kind(_ c: Unicode.Scalar) -> Kind {
            CharacterClass.isWordCharacter(c) ? .word : CharacterClass.isWhitespace(c) ? .space : .symbol
        }
        var out: [Segment] = []
        var start = 0
        let text = segment.text
        while start < text.count {
            let current = kind(text[start])
            var end = start + 1
            while end < text.count && kind(text[end]) == current { end += 1 }
            if current != .space {
                out.append(Segment(text: Array(text[start..<end]), startsInput: segment.startsInput && start == 0))
            }
            start = end
        }
        return out
    }
}
