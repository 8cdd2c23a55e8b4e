/// The character classes `tokenizers` (Rust) tests characters with, each defined as it defines it.
/// A "character" here is always one Unicode scalar, as a Rust `char` is — never a Swift `Character`
/// (a grapheme cluster), which would glue a combining mark to the letter before it.
///
/// `tokenizers` takes BERT's classes from the `unicode_categories` crate, whose tables are Unicode
/// 8.0's, and StripAccents' marks and the NFC/NFD/NFKC/NFKD data from
/// `unicode-normalization-alignments`, whose tables are Unicode 9.0's. So a class here is the
/// current category of characters that Unicode version already had, corrected for the few whose
/// category changed since. The exceptions were found by running `tokenizers`' own normalisers and
/// pre-tokenizers on every code point and comparing with Swift's properties (Swift 6.3); the other
/// classes (whitespace, numbers, case) come from current tables on both sides, and those of the
/// regex engines from Unicode 16.0's.
enum CharacterClass {
    /// Rust's `char::is_whitespace`: the White_Space property.
    static func isWhitespace(_ c: Unicode.Scalar) -> Bool { c.properties.isWhitespace }

    /// BERT's whitespace: White_Space, and tab, newline and carriage return.
    static func isBertWhitespace(_ c: Unicode.Scalar) -> Bool {
        c == "\t" || c == "\n" || c == "\r" || c.properties.isWhitespace
    }

    /// Whether `c` was assigned by Unicode `major`.`minor`.
    static func existedIn(_ c: Unicode.Scalar, _ major: Int, _ minor: Int) -> Bool {
        guard let age = c.properties.age else { return false }
        return (age.major, age.minor) <= (major, minor)
    }

    /// BERT's control characters (removed by `clean_text`): categories Cc, Cf and Co (Unicode 8.0),
    /// except tab, newline and carriage return, which BERT counts as whitespace.
    static func isBertControl(_ c: Unicode.Scalar) -> Bool {
        if c == "\t" || c == "\n" || c == "\r" || !existedIn(c, 8, 0) { return false }
        switch c.properties.generalCategory {
        case .control, .format, .privateUse: return true
        default: return false
        }
    }

    /// BERT's punctuation: every ASCII symbol (so `$`, `+`, `^`, `` ` ``, `|`, `~` too), and every
    /// character of a Unicode punctuation category (Pc, Pd, Ps, Pe, Pi, Pf, Po) in Unicode 8.0.
    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        case 0x166D, 0x111C9: return true  // punctuation in 8.0, a symbol and a mark now
        default: break
        }
        guard existedIn(c, 8, 0) else { return false }
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// BERT's "Chinese characters": the CJK Unified Ideographs blocks and their extensions, and the
    /// compatibility ideographs (not Hiragana, Katakana or Hangul, which are written with spaces).
    static func isChineseCharacter(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// Category Mn in Unicode 8.0 (what BERT's `strip_accents` removes after NFD).
    static func isBertNonspacingMark(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x1734, 0x1171E: return true  // Mn in 8.0, Mc now
        case 0x1885, 0x1886, 0xA9BD, 0x111C9: return false  // Lo, Mc or Po in 8.0, Mn now
        default: return existedIn(c, 8, 0) && c.properties.generalCategory == .nonspacingMark
        }
    }

    /// Any mark, Mn, Mc or Me, in Unicode 9.0 (what the StripAccents normaliser removes).
    static func isNormalizerMark(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x1CF2, 0x1CF3: return true  // Mc in 9.0, Lo now
        case 0x111C9: return false  // Po in 9.0, Mn now
        default: return existedIn(c, 9, 0) && isMark(c)
        }
    }

    /// Any mark, Mn, Mc or Me, by today's tables (for labels).
    static func isMark(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// Rust's `char::is_numeric`: categories Nd, Nl and No.
    static func isNumeric(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Whether the regex engines of `tokenizers` (Oniguruma, Rust's `regex`), at Unicode 16.0, know
    /// `c` as Swift does (Swift 6.3 is at 17.0). Unassigned characters are unassigned to both.
    static func isKnownToRegexes(_ c: Unicode.Scalar) -> Bool {
        guard let age = c.properties.age else { return true }
        return (age.major, age.minor) <= (16, 0)
    }

    /// The regex class `\w` of Rust's `regex` crate: Alphabetic, marks, Nd, Pc and Join_Control
    /// (as of Unicode 16.0).
    static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        guard isKnownToRegexes(c) else { return false }
        let properties = c.properties
        if properties.isAlphabetic || properties.isJoinControl { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }
}
