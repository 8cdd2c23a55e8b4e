import Foundation
import Testing
@testable import Classroom

/// Chinese wrapped to a terminal's width: no line wider than the width, nothing lost, and the
/// usual line-breaking rules (kinsoku shori; UAX #14, CSS `line-break: normal`): no line starts
/// with closing punctuation and none ends with opening punctuation, unless nothing else fits.
@Suite struct LineBreakingTests {
    /// Real paragraphs of Lessons/zh: code spans, bold, English in brackets, quotes, dashes, "。）".
    static let paragraphs = [
        "一个仅解码器（decoder-only）模型，如果在前文里见过 `… c a f …`，现在又读到 `c a`，就能猜出下一个是 `f`：往回找当前词元（token）上一次出现的地方，再把紧跟在它**后面**的那个词元抄过来。按这种方式分配注意力的注意力头（head）叫做**归纳头**（induction head）。大语言模型里就有这种头，它也是人们在 transformer 内部找到的最清晰的电路（circuit）之一。这一课我们训练一个小型仅解码器模型，让它做一个恰好需要这种回看的任务；用测量找出完成这件事的头；再把头关掉，检验模型到底依赖什么。",
        "Transformer 是一层层块（block）堆起来的。每个块先让每个词元（token）去看别的词元，这一步叫注意力（attention）；再让每个词元各自消化看到的内容，这一步是一个多层感知机（MLP）。三种著名的结构都用同样的块搭成：仅编码器（encoder-only，如 BERT）、仅解码器（decoder-only，如 GPT）、编码器-解码器（encoder-decoder，如 T5）。它们的区别只在于：**哪些词元可以看哪些词元**，以及几组堆叠怎样连在一起。",
        "仅编码器（encoder-only）和仅解码器模型的部件完全一样——掩码（mask）没有参数——所以这两列完全相同。编码器-解码器模型有两个这么深的堆叠（stack），解码器每一层还多一个交叉注意力（cross-attention），参数多得多。所以“参数更少”只在**宽度和深度相同**时成立。",
        "仍然是因果的，但每个词元只能看最近的几个词元（包括自己）。层叠起来以后，信息还是能传得更远：每多一层，就多走一个窗口。Mistral 用的就是这种因果窗口，这样注意力的开销随窗口大小增长，而不是随整个序列的长度增长。（Longformer 的窗口不一样：它是对称的，前后都看；另外还有少数全局词元，它们看得见所有位置，也被所有位置看见。）",
    ]

    /// Every paragraph of the Chinese lessons (code blocks, headings, lists and tables left out).
    static func lessonParagraphs() throws -> [String] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Lessons/zh")
        var paragraphs: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where name.hasSuffix(".md") {
            var inCode = false
            for line in try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8).split(separator: "\n") {
                if line.hasPrefix("```") { inCode.toggle(); continue }
                let text = line.trimmingCharacters(in: .whitespaces)
                guard !inCode, !text.isEmpty, !"#-*|>0123456789<".contains(text.first!) else { continue }   // ok: not empty
                paragraphs.append(text)
            }
        }
        return paragraphs
    }

    /// Closing punctuation, which may not start a line; the ASCII marks only right after a wide
    /// character (between two narrow ones a line never breaks anyway, as in English).
    static let noStart = Set<Character>("，。、：；？！）」』】〉》”’"), asciiNoStart = Set<Character>(",.:;?!)]}")
    /// Opening punctuation, which may not end a line.
    static let noEnd = Set<Character>("（「『【〈《“‘")

    /// Whether these rules let a line break between `a` and `b`: at a space, or next to a wide
    /// character where no closing mark would start a line and no opening mark end one.
    static func allowed(_ a: Character, _ b: Character) -> Bool {
        if a == " " || b == " " { return true }
        guard DisplayWidth.of(a) == 2 || DisplayWidth.of(b) == 2 else { return false }
        return !noStart.contains(b) && !(asciiNoStart.contains(b) && DisplayWidth.of(a) == 2) && !noEnd.contains(a)
    }

    /// The columns of the run of `chars` around the break before `chars[at]` with no allowed break in it.
    static func runWidth(_ chars: [Character], around at: Int) -> Int {
        var from = at - 1, to = at
        while from > 0, !allowed(chars[from - 1], chars[from]) { from -= 1 }
        while to + 1 < chars.count, !allowed(chars[to], chars[to + 1]) { to += 1 }
        return DisplayWidth.of(String(chars[from...to]))
    }

    /// What is wrong with `lines` as `text` wrapped to `width`, one sentence a problem (none: right).
    /// (a) No line is wider than `width` columns. (b) Each line after the first is exactly `indent`
    /// spaces and then its content, which neither starts nor ends with a space; the text is the first
    /// line and then the contents in order, with only a run of spaces (maybe none) left out at each
    /// break, and trailing spaces. (c) With `kinsoku`, no content starts with a closing mark and no
    /// line but the last ends with an opening one.
    /// With `wholeRuns` (lesson prose, which never cuts an English word), a line may be wider than
    /// `width` when it has no allowed break in it, and may break the rules of (c) inside a run with no
    /// allowed break that is wider than a line: there push-out is impossible.
    static func problems(_ text: String, _ lines: [String], width: Int, indent: Int = 2, kinsoku: Bool = true,
                         wholeRuns: Bool = false) -> [String] {
        var found: [String] = []
        let chars = Array(text)
        var at = 0                                   // how much of `text` the lines so far account for
        for (i, line) in lines.enumerated() {
            let unbreakable = wholeRuns && zip(line, line.dropFirst()).allSatisfy { !allowed($0, $1) }
            if DisplayWidth.of(line) > width, !unbreakable { found.append("line \(i) is \(DisplayWidth.of(line)) columns wide: \"\(line)\"") }
            var content = Substring(line)
            if i > 0 {
                content = line.dropFirst(indent)
                guard line.prefix(indent).allSatisfy({ $0 == " " }), let first = content.first, first != " " else {
                    return found + ["line \(i) is not \(indent) spaces and then text: \"\(line)\""]
                }
                while at < chars.count, chars[at] == " " { at += 1 }      // the spaces left out at the break
            }
            let piece = Array(content)
            guard piece.last != " ", at + piece.count <= chars.count, Array(chars[at..<at + piece.count]) == piece else {
                return found + ["line \(i) is not what comes next in the text: \"\(line)\""]
            }
            let impossible = wholeRuns && at > 0 && at < chars.count && runWidth(chars, around: at) > width - indent
            if kinsoku, i > 0, !impossible, let first = piece.first, at > 0,
               noStart.contains(first) || (asciiNoStart.contains(first) && DisplayWidth.of(chars[at - 1]) == 2) {
                found.append("line \(i) starts with \(first): \"\(line)\"")
            }
            let end = at + piece.count, impossibleAtEnd = wholeRuns && end < chars.count && runWidth(chars, around: end) > width - indent
            if kinsoku, i < lines.count - 1, !impossibleAtEnd, let last = piece.last, noEnd.contains(last) {
                found.append("line \(i) ends with \(last): \"\(line)\"")
            }
            at += piece.count
        }
        if !chars[at...].allSatisfy({ $0 == " " }) { found.append("the lines leave out \"\(String(chars[at...]))\"") }
        return found
    }

    /// (a), (b), (c) for the real paragraphs at one width, and for every paragraph of the lessons.
    @Test(arguments: 10...80) func chineseParagraphsKeepTheRules(width: Int) throws {
        for text in Self.paragraphs {
            let lines = DisplayWidth.wrap(text, width: width)
            let found = Self.problems(text, lines, width: width)
            #expect(found.isEmpty, "\(found.prefix(3))\n\(lines.joined(separator: "\n"))")
        }
        let all = try Self.lessonParagraphs()
        #expect(all.count > 100)
        let bad = all.flatMap { Self.problems($0, DisplayWidth.wrap($0, width: width), width: width) }
        #expect(bad.isEmpty, "\(bad.count) problems: \(bad.prefix(5))")
    }

    /// Lesson prose goes through `TerminalText.prose`: the same rules, on the text as shown (the
    /// `**` and `` ` `` markers removed), with no indent; it keeps English words whole, so a line
    /// may be a word wider than the width, and "（long.file.name，" cannot keep the rules at 36 columns.
    @Test(arguments: 30...80) func lessonProseKeepsTheRules(width: Int) throws {
        let text = TerminalText(width: width, color: false)
        for paragraph in Self.paragraphs + (try Self.lessonParagraphs()) {
            let shown = paragraph.replacingOccurrences(of: "**", with: "").replacingOccurrences(of: "`", with: "")
                .split(separator: " ").joined(separator: " ")
            let lines = text.prose(paragraph).split(separator: "\n").map(String.init)
            let found = Self.problems(shown, lines, width: width, indent: 0, wholeRuns: true)
            #expect(found.isEmpty, "\(found.prefix(3))\n\(lines.joined(separator: "\n"))")
        }
    }

    /// The character before a closing mark goes to the next line with it.
    @Test func pushOutCarriesTheCharacterBeforeAClosingMark() {
        #expect(DisplayWidth.wrap("一二三四五。七八九十", width: 10) == ["一二三四", "  五。七八", "  九十"])
        #expect(DisplayWidth.wrap("一二三四五,六七八", width: 10) == ["一二三四", "  五,六七", "  八"])
        #expect(DisplayWidth.wrap("一二三四“五六”", width: 10) == ["一二三四", "  “五六”"])
        #expect(DisplayWidth.wrap("这是（abcdefghijklmnop）。", width: 10) == ["这是", "  （abcdef", "  ghijklmn", "  op）。"])
        // "（" stays with "induction", "）。" with "head", at every width.
        for width in 10...40 {
            let lines = DisplayWidth.wrap("归纳头（induction head）。", width: width)
            #expect(lines.allSatisfy { !$0.hasSuffix("（") }, "\(width): \(lines)")
            #expect(lines.contains { $0.contains("（i") } && lines.contains { $0.contains("head）。") }, "\(width): \(lines)")
        }
    }

    /// A run with no allowed break (closing marks only, opening marks only) is still cut at the
    /// width: the rules give way, the width does not.
    @Test func whenPushOutIsImpossibleTheWidthStillHolds() {
        let closing = "好" + String(repeating: "。", count: 12), opening = String(repeating: "（", count: 12) + "好"
        for width in 10...20 {
            let a = DisplayWidth.wrap(closing, width: width), b = DisplayWidth.wrap(opening, width: width)
            #expect(Self.problems(closing, a, width: width, kinsoku: false).isEmpty, "\(a)")
            #expect(Self.problems(opening, b, width: width, kinsoku: false).isEmpty, "\(b)")
            #expect(a.count > 1 && a.dropFirst().allSatisfy { $0.hasPrefix("  。") }, "\(a)")
            #expect(b.count > 1 && b.dropLast().allSatisfy { $0.hasSuffix("（") }, "\(b)")
            // The rules give way inside such a run only: the sentence after it keeps them.
            let mixed = closing + "然后他说（走了）！好", c = DisplayWidth.wrap(mixed, width: width)
            let broken = Self.problems(mixed, c, width: width).filter { !$0.contains("starts with 。") }
            #expect(broken.isEmpty, "\(broken)")
        }
    }

    /// Random mixes of wide and narrow letters, marks and spaces, at widths 8 to 30: (a) and (b)
    /// always hold, rules or no rules. (A push-out once left a line as wide as the text it carried
    /// plus the new indent: "é🇫🇷；’),)》" at 8 columns.)
    @Test func randomMixedTextKeepsTheWidthAndEveryCharacter() {
        let pool = Array("abc  ,.)(“”‘’一二三四五六。，、：；？！）（「」《》【】…—é🇫🇷") + ["e\u{301}"]
        var seed: UInt64 = 0x9E3779B97F4A7C15
        func next(_ n: Int) -> Int {                  // xorshift: the same cases on every run
            seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
            return Int(seed % UInt64(n))
        }
        var bad: [String] = []
        for _ in 0..<20_000 {
            let text = String(repeating: " ", count: next(4)) + String((0..<next(60)).map { _ in pool[next(pool.count)] })
            let width = 8 + next(23), leading = text.prefix { $0 == " " }.count
            let indent = leading + 2 < width / 2 ? leading + 2 : min(leading, width / 2)
            guard DisplayWidth.of(text) > width else { continue }
            let lines = DisplayWidth.wrap(text, width: width)
            bad += Self.problems(text, lines, width: width, indent: indent, kinsoku: false).map { "\($0) in \(lines)" }
        }
        #expect(bad.isEmpty, "\(bad.count) problems: \(bad.prefix(3))")
    }

    /// English and ASCII text wrap exactly as before the rules (lines recorded from the old wrapper).
    @Test func asciiTextWrapsAsBefore() {
        let english = "The cat (a small one) sat on the mat; then, quietly, it slept. Attention: every token looks at "
            + "every other token [in an encoder], or only at earlier ones {in a decoder}! Really? Yes."
        #expect(DisplayWidth.wrap(english, width: 20) == [
            "The cat (a small", "  one) sat on the", "  mat; then,", "  quietly, it slept.", "  Attention: every",
            "  token looks at", "  every other token", "  [in an encoder],", "  or only at earlier", "  ones {in a",
            "  decoder}! Really?", "  Yes."])
        #expect(DisplayWidth.wrap(english, width: 33) == [
            "The cat (a small one) sat on the", "  mat; then, quietly, it slept.", "  Attention: every token looks at",
            "  every other token [in an", "  encoder], or only at earlier", "  ones {in a decoder}! Really?", "  Yes."])
        #expect(DisplayWidth.wrap("wrote /very/long/path/to/some/file_name.png, then (quietly) stopped.", width: 12) == [
            "wrote", "  /very/long", "  /path/to/s", "  ome/file_n", "  ame.png,", "  then", "  (quietly)", "  stopped."])
        #expect(DisplayWidth.wrap("  indented: a list of words, (parenthesised) and [bracketed] {braced} things", width: 16) == [
            "  indented: a", "    list of", "    words,", "    (parenthesis", "    ed) and", "    [bracketed]",
            "    {braced}", "    things"])
    }

    /// The checks above can fail: each catches a wrapping that is wrong in its way.
    @Test func theChecksCatchBadWrappings() {
        #expect(Self.problems("一二三四", ["一二", "  三四"], width: 6).isEmpty)              // a right one
        #expect(!Self.problems("一二三四", ["一二三四"], width: 6).isEmpty)                   // too wide
        #expect(!Self.problems("一二三四", ["一二", "  四"], width: 6).isEmpty)               // 三 lost
        #expect(!Self.problems("一二三四", ["一二", "  三四五"], width: 10).isEmpty)          // 五 added
        #expect(!Self.problems("一二三四", ["一二", "三四"], width: 6).isEmpty)               // no indent
        #expect(Self.problems("一二 三四", ["一二", "  三", "  四"], width: 6).isEmpty)      // right: a space left out at a break
        #expect(!Self.problems("一 二三", ["一二", "  三"], width: 6).isEmpty)                // a space left out inside a line
        #expect(!Self.problems("一二。三", ["一二", "  。三"], width: 6).isEmpty)             // starts with 。
        #expect(!Self.problems("一二,三", ["一二", "  ,三"], width: 6).isEmpty)               // "," after a wide one
        #expect(!Self.problems("一二（三）", ["一二（", "  三）"], width: 6).isEmpty)         // ends with （
        // What the old wrapper made of two of the examples.
        #expect(!Self.problems("一二三四五。七八九十", ["一二三四五", "  。七八九", "  十"], width: 10).isEmpty)
        #expect(!Self.problems("归纳头（induction head）。", ["归纳头（", "  inductio", "  n head）", "  。"], width: 10).isEmpty)
    }
}

/// A step's heading is wrapped like the text under it: the terminal would otherwise cut a long
/// Chinese title wherever its edge falls, starting a line with "？".
@Suite struct WrappedHeadingTests {
    @Test(arguments: [30, 40, 56])   // a terminal is taken to be at least 30 columns (TerminalText)
    func aLongChineseStepTitleWrapsWithinTheScreenAndKeepsTheRules(columns: Int) throws {
        let lesson = try LessonParser.parse("# 编码器-解码器：交叉注意力读什么，编码器为什么完全并行\n\n## “编码器无法并行”？并非如此，生成才是一步一步的\n\n一句话。\n",
                                            file: URL(fileURLWithPath: "/x/06-t.md"))
        let terminal = FakeTerminal(rows: 30, keys: [Keyboard.right, "q"])
        _ = presentOnScreen(lesson, terminal, columns: columns)
        let shown = terminal.screen.map(plain)
        #expect(shown.contains { $0.hasPrefix("## 第 1 步") || $0.hasPrefix("## Step 1") }, "\(shown)")
        // The key prompt is rewritten in place ("\r"), so it is one line however wide; it is not lesson text.
        for line in shown where !line.contains("q: quit") {
            #expect(DisplayWidth.of(line) <= columns, "wider than \(columns): \(line)")
            #expect(!["？", "，", "：", "）", "”"].contains { line.trimmingCharacters(in: .whitespaces).hasPrefix($0) }, "\(line)")
        }
    }
}
