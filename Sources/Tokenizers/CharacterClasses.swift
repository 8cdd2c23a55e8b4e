/// The character classes `tokenizers` (Rust) tests characters with, each defined as it defines it.
/// A "character" here is always one Unicode scalar, as a Rust `char` is — never a Swift `Character`
/// (a grapheme cluster), which would glue a combining mark to the letter before it.
///
/// `tokenizers` takes some classes from old Unicode tables (the `unicode_categories` crate); these
/// use the Swift runtime's current ones, which differ only for characters assigned since.
enum CharacterClass {
    /// Rust's `char::is_whitespace`: the White_Space property.
    static func isWhitespace(_ c: Unicode.Scalar) -> Bool { c.properties.isWhitespace }

    /// BERT's whitespace: White_Space, and tab, newline and carriage return.
    static func isBertWhitespace(_ c: Unicode.Scalar) -> Bool {
        c == "\t" || c == "\n" || c == "\r" || c.properties.isWhitespace
    }

    /// BERT's control characters (removed by `clean_text`): categories Cc, Cf and Co, except tab,
    /// newline and carriage return, which BERT counts as whitespace.
    static func isBertControl(_ c: Unicode.Scalar) -> Bool {
        if c == "\t" || c == "\n" || c == "\r" { return false }
        switch c.properties.generalCategory {
        case .control, .format, .privateUse: return true
        default: return false
        }
    }

    /// BERT's punctuation: every ASCII symbol (so `$`, `+`, `^`, `` ` ``, `|`, `~` too), and every
    /// character of a Unicode punctuation category (Pc, Pd, Ps, Pe, Pi, Pf, Po).
    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        default: break
        }
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

    /// Category Mn (what BERT's `strip_accents` removes after NFD).
    static func isNonspacingMark(_ c: Unicode.Scalar) -> Bool { c.properties.generalCategory == .nonspacingMark }

    /// Any mark, Mn, Mc or Me (what the StripAccents normaliser removes).
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

    /// The regex class `\w` of Rust's `regex` crate: Alphabetic, marks, Nd, Pc and Join_Control.
    static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        let properties = c.properties
        if properties.isAlphabetic || properties.isJoinControl { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }
}
