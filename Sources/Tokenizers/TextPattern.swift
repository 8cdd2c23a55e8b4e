import Foundation

/// Text as the pipeline carries it: Unicode scalars, the unit `tokenizers` counts in.
typealias Scalars = [Unicode.Scalar]

/// What a Split pre-tokenizer or a Replace normaliser looks for: a literal string, or a regular
/// expression (`tokenizers` uses Oniguruma's syntax; Swift's Regex reads the patterns real
/// tokenizers use, GPT-2's, Llama 3's and Qwen2's included, with the same meaning).
enum TextPattern: Sendable {
    case literal(Scalars)
    case regex(String)

    /// Reads `{"String": "…"}` or `{"Regex": "…"}`; a regex must compile.
    static func parse(_ field: Field) throws(Field.Problem) -> TextPattern {
        if !field["String"].isMissingOrNull { return .literal(Array(try field["String"].string().unicodeScalars)) }
        if !field["Regex"].isMissingOrNull {
            let source = try field["Regex"].string()
            guard RegexCache.compile(source) != nil else {
                throw field["Regex"].problem("is \(quoted(source)), which is not a regular expression attnlab can read")
            }
            if RegexCache.repeatsAnAmbiguousGroup(source) {
                throw field["Regex"].problem("is \(quoted(source)), which repeats a group that can match the same text in "
                                             + "more than one way (like (a|aa)+ or (a+)*): on some text that takes "
                                             + "exponential time, so attnlab refuses it")
            }
            return .regex(source)
        }
        throw field.problem("must be {\"String\": …} or {\"Regex\": …}")
    }

    /// The pieces of `text`, in order and covering all of it, each marked whether it is a match.
    /// Empty text is one empty non-match, as in `tokenizers`.
    func pieces(of text: Scalars, regexes: RegexCache) -> [MatchPiece] {
        switch self {
        case .literal(let needle): return Self.cover(text, matches: Self.literalMatches(of: needle, in: text))
        case .regex(let source):
            guard let regex = regexes.regex(source) else { return [MatchPiece(range: 0..<text.count, isMatch: false)] }
            return Self.cover(text, matches: Self.regexMatches(of: regex, in: text))
        }
    }

    /// Each character for which `test` holds is a match of its own.
    static func pieces(of text: Scalars, where test: (Unicode.Scalar) -> Bool) -> [MatchPiece] {
        cover(text, matches: text.indices.filter { test(text[$0]) }.map { $0..<$0 + 1 })
    }

    /// Matches, plus the non-matching stretches between them.
    private static func cover(_ text: Scalars, matches: [Range<Int>]) -> [MatchPiece] {
        if text.isEmpty { return [MatchPiece(range: 0..<0, isMatch: false)] }
        var pieces: [MatchPiece] = []
        var previous = 0
        for match in matches {
            if previous != match.lowerBound { pieces.append(MatchPiece(range: previous..<match.lowerBound, isMatch: false)) }
            pieces.append(MatchPiece(range: match, isMatch: true))
            previous = match.upperBound
        }
        if previous != text.count { pieces.append(MatchPiece(range: previous..<text.count, isMatch: false)) }
        return pieces
    }

    /// Leftmost non-overlapping occurrences of `needle`; an empty needle matches nothing.
    private static func literalMatches(of needle: Scalars, in text: Scalars) -> [Range<Int>] {
        guard !needle.isEmpty, needle.count <= text.count else { return [] }
        var matches: [Range<Int>] = []
        var start = 0
        while start + needle.count <= text.count {
            if text[start] == needle[0] && text[start..<start + needle.count].elementsEqual(needle) {
                matches.append(start..<start + needle.count)
                start += needle.count
            } else {
                start += 1
            }
        }
        return matches
    }

    /// The regex's matches as scalar offsets. Matching runs on scalars, not grapheme clusters, so
    /// that `\p{L}` tests one code point, as in `tokenizers`. Characters newer than Unicode 16.0,
    /// which Oniguruma does not know yet, are matched as a character no version assigns (U+FDD0).
    private static func regexMatches(of regex: Regex<AnyRegexOutput>, in text: Scalars) -> [Range<Int>] {
        let string = String(String.UnicodeScalarView(text.map { CharacterClass.isKnownToRegexes($0) ? $0 : Self.neverAssigned }))
        let view = string.unicodeScalars
        var matches: [Range<Int>] = []
        var lastIndex = view.startIndex, lastOffset = 0
        func offset(of index: String.Index) -> Int {
            lastOffset += view.distance(from: lastIndex, to: index)
            lastIndex = index
            return lastOffset
        }
        for match in string.matches(of: regex) {
            let lower = offset(of: match.range.lowerBound)
            let upper = offset(of: match.range.upperBound)
            matches.append(lower..<upper)
        }
        return matches
    }
}

extension TextPattern {
    /// U+FDD0, a noncharacter: no Unicode version assigns it (Swift refuses it as a literal).
    static let neverAssigned = Unicode.Scalar(UInt32(0xFDD0)) ?? "\u{378}"
}

/// One piece of a text cut by a pattern.
struct MatchPiece: Equatable {
    var range: Range<Int>
    var isMatch: Bool
}

/// Compiled regular expressions, one cache per thread. Swift's `Regex` is not `Sendable`, so a
/// tokenizer keeps only the pattern text, and each thread compiles the patterns it uses once
/// (compiling takes a fraction of a millisecond — longer than encoding a sentence).
final class RegexCache {
    private static let threadKey = "attnlab.Tokenizers.RegexCache"

    /// The calling thread's cache. `encode` never suspends, so it runs on one thread throughout.
    static var forThisThread: RegexCache {
        let storage = Thread.current.threadDictionary
        if let cache = storage[threadKey] as? RegexCache { return cache }
        let cache = RegexCache()
        storage[threadKey] = cache
        return cache
    }

    /// Keyed by the pattern's bytes: two patterns Swift's `==` calls equal may differ.
    private var compiled: [[UInt8]: Regex<AnyRegexOutput>] = [:]

    func regex(_ source: String) -> Regex<AnyRegexOutput>? {
        let key = Array(source.utf8)
        if let regex = compiled[key] { return regex }
        let regex = Self.compile(source)
        compiled[key] = regex
        return regex
    }

    static func compile(_ source: String) -> Regex<AnyRegexOutput>? {
        (try? Regex(rewritten(source)))?.matchingSemantics(.unicodeScalar)
    }

    /// The pattern with `\s`, `\S`, `\d` and `\D` spelt as the Unicode properties they stand for
    /// (White_Space and Nd, in Oniguruma as in Swift). Same meaning, but Swift's built-in classes
    /// test each character against its whole grapheme cluster, which made a run of 10,000
    /// combining marks take seconds; property classes do not.
    static func rewritten(_ source: String) -> String {
        var out = ""
        var scalars = source.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar == "\\", let escaped = scalars.next() else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch escaped {
            case "s": out += #"\p{White_Space}"#
            case "S": out += #"\P{White_Space}"#
            case "d": out += #"\p{Nd}"#
            case "D": out += #"\P{Nd}"#
            // Oniguruma's \h is a hexadecimal digit; Swift's is horizontal space.
            case "h": out += "[0-9A-Fa-f]"
            case "H": out += "[^0-9A-Fa-f]"
            default:
                out.unicodeScalars.append(scalar)
                out.unicodeScalars.append(escaped)
            }
        }
        return out
    }
}

extension RegexCache {
    /// Whether `source` repeats (`+`, `*`, `{n,}`, `{n,m}` with m > 1) a group that holds an
    /// alternation or a repetition of its own: the shape that makes a backtracking engine try
    /// exponentially many ways to split the same text. Swift's Regex has no step limit (Oniguruma,
    /// which `tokenizers` uses, has one), so such a pattern in a tokenizer.json is refused when the
    /// file is read. The patterns real tokenizers use (GPT-2's, Llama 3's, Qwen2's) repeat no group.
    static func repeatsAnAmbiguousGroup(_ source: String) -> Bool {
        let scalars = Array(source.unicodeScalars)
        var open: [Bool] = []          // per open group: does it branch or repeat inside?
        var i = 0
        func repeats(at j: Int) -> Bool {
            guard j < scalars.count else { return false }
            switch scalars[j] {
            case "+", "*": return true
            case "{":
                let body = String(String.UnicodeScalarView(scalars[(j + 1)...].prefix { $0 != "}" }))
                let bounds = body.split(separator: ",", omittingEmptySubsequences: false)
                return bounds.count == 2 && (bounds[1].isEmpty || (Int(bounds[1]) ?? 0) > 1) || (bounds.count == 1 && (Int(bounds[0]) ?? 0) > 1)
            default: return false
            }
        }
        while i < scalars.count {
            switch scalars[i] {
            case "\\": i += 1                                   // an escaped character
            case "[":                                           // a class: skip to its end
                i += 1
                if i < scalars.count, scalars[i] == "^" { i += 1 }
                if i < scalars.count, scalars[i] == "]" { i += 1 }
                while i < scalars.count, scalars[i] != "]" { if scalars[i] == "\\" { i += 1 }; i += 1 }
            case "(": open.append(false)
            case "|": if !open.isEmpty { open[open.count - 1] = true }
            case ")":
                guard let ambiguous = open.popLast() else { break }
                if ambiguous && repeats(at: i + 1) { return true }
                if !open.isEmpty && (ambiguous || repeats(at: i + 1)) { open[open.count - 1] = true }
            default:
                if repeats(at: i), !open.isEmpty { open[open.count - 1] = true }
            }
            i += 1
        }
        return false
    }
}
