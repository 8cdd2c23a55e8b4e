import Foundation

/// A stretch of the input on its way through the pipeline.
struct Segment {
    var text: Scalars
    /// Whether the first character still stands where the input began. The Metaspace
    /// pre-tokenizer's "first" scheme marks a word start only then (`tokenizers` asks whether the
    /// piece's original offset is 0, which a normaliser that drops leading characters changes).
    var startsInput: Bool
}

/// A normaliser from tokenizer.json: rewrites the text before it is cut into words.
indirect enum Normalizer: Sendable {
    enum UnicodeForm: Sendable { case nfc, nfd, nfkc, nfkd }

    /// BERT's: clean_text (control characters removed, whitespace to spaces), spaces around CJK
    /// ideographs, accents stripped (NFD, then no Mn), lower case.
    case bert(cleanText: Bool, spaceChineseCharacters: Bool, stripAccents: Bool, lowercase: Bool)
    case lowercase
    case unicode(UnicodeForm)
    /// Removes every combining mark (Mn, Mc, Me).
    case stripAccents
    /// Removes whitespace at either end.
    case strip(left: Bool, right: Bool)
    case replace(TextPattern, with: Scalars)
    /// Puts a string before non-empty text.
    case prepend(Scalars)
    /// SentencePiece's compiled normalisation rules, applied as its trie of rules says.
    case precompiled(PrecompiledCharsMap)
    /// SentencePiece's NMT clean-up: some control characters removed, some spaces made plain.
    case nmt
    /// Each byte of the UTF-8 text as one character of GPT-2's byte alphabet.
    case byteLevel
    case sequence([Normalizer])

    /// Reads a normaliser object; null means none.
    static func parse(_ field: Field) throws(Field.Problem) -> Normalizer? {
        if field.isMissingOrNull { return nil }
        let type = try field.typeName()
        switch type {
        case "BertNormalizer":
            let lowercase = try field["lowercase"].bool(default: true)
            return .bert(cleanText: try field["clean_text"].bool(default: true),
                         spaceChineseCharacters: try field["handle_chinese_chars"].bool(default: true),
                         // BERT strips accents when it lower-cases, unless told otherwise.
                         stripAccents: try field["strip_accents"].optionalBool() ?? lowercase,
                         lowercase: lowercase)
        case "Lowercase": return .lowercase
        case "NFC": return .unicode(.nfc)
        case "NFD": return .unicode(.nfd)
        case "NFKC": return .unicode(.nfkc)
        case "NFKD": return .unicode(.nfkd)
        case "StripAccents": return .stripAccents
        case "Strip":
            return .strip(left: try field["strip_left"].bool(default: true), right: try field["strip_right"].bool(default: true))
        case "Replace":
            return .replace(try TextPattern.parse(field["pattern"]), with: Array(try field["content"].string().unicodeScalars))
        case "Prepend": return .prepend(Array(try field["prepend"].string().unicodeScalars))
        case "Precompiled": return .precompiled(try PrecompiledCharsMap.parse(field["precompiled_charsmap"]))
        case "Nmt": return .nmt
        case "ByteLevel": return .byteLevel
        case "Sequence":
            return .sequence(try field["normalizers"].list(parse))
        default:
            throw field["type"].problem("is \(quoted(type)); attnlab reads the normalizers BertNormalizer, Lowercase, NFC, "
                + "NFD, NFKC, NFKD, StripAccents, Strip, Replace, Prepend, Precompiled, Nmt, ByteLevel and Sequence")
        }
    }

    /// Normalises `segment` in place.
    func apply(to segment: inout Segment, regexes: RegexCache) {
        let before = segment.text
        let (text, dropsFirst) = normalized(before, regexes: regexes)
        segment.text = text
        if dropsFirst { segment.startsInput = false }
    }

    /// The normalised text, and whether the first character of the input was removed (so that the
    /// first character left stands further in).
    private func normalized(_ text: Scalars, regexes: RegexCache) -> (Scalars, dropsFirst: Bool) {
        switch self {
        case .bert(let clean, let chinese, let stripAccents, let lowercase):
            var out = text, drops = false
            if clean {
                let kept = Self.filter(out) { $0 != "\u{0}" && $0 != "\u{FFFD}" && !CharacterClass.isBertControl($0) }
                out = kept.text.map { CharacterClass.isBertWhitespace($0) ? " " : $0 }
                drops = drops || kept.dropsFirst
            }
            if chinese {
                out = out.flatMap { CharacterClass.isChineseCharacter($0) ? [" ", $0, " "] : [$0] }
            }
            if stripAccents {
                let kept = Self.filter(Self.normalize(out, .nfd)) { !CharacterClass.isBertNonspacingMark($0) }
                out = kept.text
                drops = drops || kept.dropsFirst
            }
            if lowercase { out = Self.lowercased(out) }
            return (out, drops)
        case .lowercase:
            return (Self.lowercased(text), false)
        case .unicode(let form):
            return (Self.normalize(text, form), false)
        case .stripAccents:
            let kept = Self.filter(text) { !CharacterClass.isNormalizerMark($0) }
            return (kept.text, kept.dropsFirst)
        case .strip(let left, let right):
            var slice = text[...]
            if left { slice = slice.drop(while: CharacterClass.isWhitespace) }
            if right { while let last = slice.last, CharacterClass.isWhitespace(last) { slice.removeLast() } }
            return (Array(slice), slice.startIndex != 0 && !text.isEmpty)
        case .replace(let pattern, let content):
            return Self.replace(text, pattern: pattern, content: content, regexes: regexes)
        case .prepend(let prefix):
            return (text.isEmpty ? text : prefix + text, false)
        case .precompiled(let map):
            return map.normalize(text)
        case .nmt:
            let kept = Self.filter(text) { c in
                switch c.value {
                case 0x01...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x8F, 0x9F: return false
                default: return true
                }
            }
            let spaced: Scalars = kept.text.map { c in
                switch c.value {
                case 0x09, 0x0A, 0x0C, 0x0D, 0x1680, 0x200B...0x200F, 0x2028, 0x2029, 0x2581, 0xFEFF, 0xFFFD: return " "
                default: return c
                }
            }
            return (spaced, kept.dropsFirst)
        case .byteLevel:
            return (ByteAlphabet.encode(text), false)
        case .sequence(let steps):
            var out = text, drops = false
            for step in steps {
                let (next, dropped) = step.normalized(out, regexes: regexes)
                out = next
                drops = drops || dropped
            }
            return (out, drops)
        }
    }

    private static func filter(_ text: Scalars, keep: (Unicode.Scalar) -> Bool) -> (text: Scalars, dropsFirst: Bool) {
        let kept = text.filter(keep)
        return (kept, !text.isEmpty && !keep(text[0]))
    }

    /// Each character lower-cased on its own, with its full mapping ("İ" becomes "i̇").
    private static func lowercased(_ text: Scalars) -> Scalars {
        var out = Scalars()
        out.reserveCapacity(text.count)
        for c in text {
            if c.isASCII {
                out.append(c.value >= 65 && c.value <= 90 ? Unicode.Scalar(UInt8(c.value + 32)) : c)
            } else {
                out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    /// `text` in a Unicode normal form, as `tokenizers` computes it: with Unicode 9.0's data.
    /// Characters assigned since are left as they are and compose with nothing — which is what
    /// 9.0's data makes of them (no decomposition, a starter) — so the text is normalised a run of
    /// older characters at a time. (Normalisation of a character never changes once assigned.)
    static func normalize(_ text: Scalars, _ form: UnicodeForm) -> Scalars {
        if text.allSatisfy(\.isASCII) { return text }
        var out = Scalars()
        var run = String.UnicodeScalarView()
        func flush() {
            guard !run.isEmpty else { return }
            let string = String(run)
            let result: String
            switch form {
            case .nfc: result = string.precomposedStringWithCanonicalMapping
            case .nfd: result = string.decomposedStringWithCanonicalMapping
            case .nfkc: result = string.precomposedStringWithCompatibilityMapping
            case .nfkd: result = string.decomposedStringWithCompatibilityMapping
            }
            out += result.unicodeScalars
            run = String.UnicodeScalarView()
        }
        for scalar in text {
            if CharacterClass.existedIn(scalar, 9, 0) {
                run.append(scalar)
            } else {
                flush()
                out.append(scalar)
            }
        }
        flush()
        return out
    }

    /// Every match of `pattern` replaced by `content`. A replacement at the very start moves the
    /// text's first character further in when it removes it, or when the match was longer than
    /// one character (`tokenizers` lines the new text up with the match's last character).
    private static func replace(_ text: Scalars, pattern: TextPattern, content: Scalars,
                                regexes: RegexCache) -> (Scalars, dropsFirst: Bool) {
        var out = Scalars()
        var dropsFirst = false
        for piece in pattern.pieces(of: text, regexes: regexes) {
            if piece.isMatch {
                if piece.range.lowerBound == 0 && (content.isEmpty || piece.range.count > 1) { dropsFirst = true }
                out += content
            } else {
                out += text[piece.range]
            }
        }
        return (out, dropsFirst)
    }
}
