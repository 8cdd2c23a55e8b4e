import Foundation

/// How many terminal columns text takes, and how to wrap it to a width. A terminal shows East
/// Asian wide characters (Chinese, Japanese, Korean, fullwidth forms) and most emoji in two
/// columns, combining marks in none: counting characters would let a Chinese line run off the
/// screen, and cutting by bytes or scalars could split a character in two.
public enum DisplayWidth {
    /// The columns one character (a grapheme cluster) takes: 0, 1 or 2.
    public static func of(_ character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        if character.unicodeScalars.count > 1, character.unicodeScalars.contains(where: { $0.properties.isEmojiPresentation || $0 == "\u{FE0F}" }),
           first.properties.isEmoji {
            return 2                                      // an emoji sequence (a flag, a family, ❤️)
        }
        return of(first)
    }

    /// The columns one scalar takes on its own.
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v == 0 { return 0 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if scalar.properties.isEmojiPresentation { return 2 }
        return wideRanges.contains { $0.contains(v) } ? 2 : 1
    }

    /// The columns of a whole string.
    public static func of(_ text: some StringProtocol) -> Int {
        text.reduce(0) { $0 + of($1) }
    }

    /// East Asian Wide and Fullwidth blocks (Unicode's EastAsianWidth.txt, W and F, by block).
    static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
        0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
        0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
        0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]

    /// `text` without its ANSI escape sequences (ESC [ … final letter), which take no columns.
    public static func withoutEscapes(_ text: String) -> String {
        guard text.contains("\u{1B}") else { return text }
        var out = "", state = 0        // 0: text, 1: after ESC, 2: inside ESC [
        for c in text {
            switch state {
            case 1: state = c == "[" ? 2 : 0
            case 2: if let a = c.asciiValue, (0x40...0x7E).contains(a) { state = 0 }
            default: if c == "\u{1B}" { state = 1 } else { out.append(c) }
            }
        }
        return out
    }

    /// `text` cut to at most `width` columns, with "…" when something was cut; never splits a character.
    public static func truncate(_ text: String, to width: Int) -> String {
        guard of(text) > width else { return text }
        guard width > 0 else { return "" }
        var out = "", used = 0
        for c in text {
            let w = of(c)
            if used + w > width - 1 { break }
            out.append(c); used += w
        }
        return out + "…"
    }

    /// `text` followed by spaces up to `width` columns (unchanged when already as wide).
    public static func pad(_ text: String, to width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - of(text)))
    }

    /// One line wrapped to `width` columns: breaks at spaces, and next to East Asian wide
    /// characters (which have no spaces between words) where `mayBreak` allows, so never before a
    /// closing mark such as "。" nor after an opening one such as "（"; a word longer than a whole
    /// line is cut between characters, never inside one. Continuation lines keep the line's indent
    /// plus `hang` columns, so a wrapped "name: value" line still reads as one entry.
    public static func wrap(_ line: String, width: Int, hang: Int = 2) -> [String] {
        let width = max(width, 8)
        guard of(line) > width else { return [line] }
        let leading = line.prefix { $0 == " " }.count
        let indent = leading + hang < width / 2 ? leading + hang : min(leading, width / 2)
        var out: [String] = []
        var current: [Character] = Array(line.prefix(leading)), used = leading
        var start = leading          // where this line's content starts
        var breakAt: Int?            // the last place in `current` where a new line may start

        func finish(at index: Int) {
            var head = current[..<index]
            while head.last == " " { head.removeLast() }
            var tail = current[index...]
            while tail.first == " " { tail.removeFirst() }
            out.append(String(head))
            current = Array(repeating: " ", count: indent) + tail
            used = indent + tail.reduce(0) { $0 + of($1) }
            start = indent
            breakAt = nil
        }

        // Where to cut a run with no break opportunity that is too long for the line, before `next`
        // (`w` columns) is added: the last place where the line fits, what moves down fits with
        // `next`, and the punctuation rules hold. Failing that (a run of closing marks, say), the
        // last place where the line fits: a line wider than the terminal would be cut by the
        // terminal itself. (A push-out can leave a line too wide, its new indent being wider than
        // what stayed behind: this cuts it too.)
        func hardBreak(before next: Character, _ w: Int) -> Int {
            var head = used, moved = w, fallback: Int?
            for p in stride(from: current.count, to: start, by: -1) {
                if p < current.count { head -= of(current[p]); moved += of(current[p]) }
                guard head <= width else { continue }
                if fallback == nil { fallback = p }
                if indent + moved > width { break }
                if keepsRules(current[p - 1], p < current.count ? current[p] : next) { return p }
            }
            return fallback ?? start + 1
        }

        for c in line.dropFirst(leading) {
            if c == " " {
                current.append(c); used += 1
                breakAt = current.count
                continue
            }
            let w = of(c)
            if current.count > start, let last = current.last, last != " ", mayBreak(last, c) { breakAt = current.count }
            if used + w > width {
                // At the last break opportunity: when `c` may not start a line, that is before
                // the character it closes, which goes down with it (push-out).
                if let b = breakAt, b > start { finish(at: b) }
                while used + w > width, current.count > start { finish(at: hardBreak(before: c, w)) }   // a run longer than a line
            }
            current.append(c); used += w
        }
        var last = current[...]
        while last.last == " " { last.removeLast() }
        out.append(String(last))
        return out
    }

    // MARK: - Where a line may break

    /// Whether a line may break between `a` and `b` (neither a space; a line always may at a
    /// space). Text with no wide character breaks only at spaces, as English does; Chinese and
    /// Japanese have no spaces, so a line may break next to any wide character, the way UAX #14
    /// and CSS `line-break: normal` do, as long as that keeps the punctuation rules.
    static func mayBreak(_ a: Character, _ b: Character) -> Bool {
        (of(a) == 2 || of(b) == 2) && keepsRules(a, b)
    }

    /// Whether a break between `a` and `b` keeps the punctuation rules (kinsoku shori): no line
    /// starts with a closing mark, none ends with an opening one. They hold next to a wide
    /// character only ("猫," or "(猫"): text with no wide character wraps as it did without them.
    static func keepsRules(_ a: Character, _ b: Character) -> Bool {
        guard of(a) == 2 || of(b) == 2 else { return true }
        return !noStart.contains(b) && !noEnd.contains(a)
    }

    /// Closing punctuation and the like, which may not start a line: "，。" must not begin one.
    static let noStart = Set<Character>("，。、：；？！）」』】〉》〕〗〙〛］｝”’．,.:;?!)]}")
    /// Opening punctuation, which may not end a line: "（" belongs with what it opens.
    static let noEnd = Set<Character>("（「『【〈《〔〖〘〚［｛“‘([{")
}
