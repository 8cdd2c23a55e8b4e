import Foundation
import Testing
@testable import Classroom

/// A 3 × 3 causal pattern with token labels, one of them Chinese.
func examplePicture() -> TerminalPicture {
    let purple = TerminalPicture.Color(0x44, 0x01, 0x54), yellow = TerminalPicture.Color(0xFD, 0xE7, 0x25)
    let cells: [TerminalPicture.Cell] = [
        .value(yellow, shade: 1), .blocked, .blocked,
        .value(purple, shade: 0), .value(yellow, shade: 1), .blocked,
        .value(purple, shade: 0), .value(yellow, shade: 0.5), .missing,
    ]
    return TerminalPicture(title: "causal pattern", rows: 3, columns: 3, rowLabels: ["<bos>", "猫", "sat"],
                           columnLabels: ["<bos>", "猫", "sat"], cells: cells,
                           scale: ("0", "1", [purple, yellow]), note: "picture: x.png")
}

@Suite struct TerminalPictureTests {
    @Test func asciiFormHasShadesHatchLabelsAndTheLegend() {
        let lines = examplePicture().lines(width: 40, color: false)
        #expect(!lines.joined().contains("\u{1B}"))
        #expect(lines.first == "causal pattern")
        // Column labels downwards: "<", "猫", "s" on the first label line.
        #expect(lines[1].contains("<") && lines[1].contains("猫") && lines[1].contains("s"))
        let rows = lines.filter { $0.hasPrefix("<bos>") || $0.hasPrefix("猫") || $0.hasPrefix("sat") }
        #expect(rows.count == 3)
        #expect(rows[0].hasSuffix("@@////"), "\(rows[0])")          // allowed, then two blocked cells hatched
        #expect(rows[1].hasSuffix("  @@//"), "\(rows[1])")
        #expect(rows[2].hasSuffix("  ==??") || rows[2].hasSuffix("  ++??"), "\(rows[2])")
        let words = lines.joined(separator: " ").split(separator: " ").joined(separator: " ")
        #expect(words.contains("rows are queries (who attends), columns are keys (who is attended to)"))
        #expect(lines.contains { $0.contains("/ = blocked") })
        for line in lines { #expect(DisplayWidth.of(line) <= 40, "\(line)") }
    }

    @Test func colourFormIsHalfBlocksWithAHatch() {
        let lines = examplePicture().lines(width: 40, color: true)
        let body = lines.filter { $0.contains("▀") && !$0.hasPrefix("scale") }
        #expect(body.count == 3)
        #expect(body[0].contains("\u{1B}[38;2;253;231;37m\u{1B}[48;2;253;231;37m▀"))   // yellow top and bottom
        // The blocked cells alternate two greys between the upper and the lower half.
        #expect(body[0].contains("\u{1B}[38;2;180;180;180m\u{1B}[48;2;112;112;112m▀"))
        #expect(body[0].contains("\u{1B}[38;2;112;112;112m\u{1B}[48;2;180;180;180m▀"))
        #expect(lines.contains { $0.contains("rows are queries") })
        for line in lines { #expect(DisplayWidth.of(plain(line)) <= 40, "\(plain(line))") }
    }

    @Test func pairedRowsHalveTheHeight() {
        var tall = examplePicture()
        tall.rows = 20; tall.rowLabels = (0..<20).map(String.init)
        tall.cells = Array(repeating: .value(.init(1, 2, 3), shade: 0.3), count: 60)
        let single = tall.lines(width: 40, color: true).filter { $0.contains("▀") }.count
        let paired = tall.lines(width: 40, color: true, pairRows: true).filter { $0.contains("▀") }.count
        #expect(single == 20 && paired == 10)
        #expect(tall.lines(width: 40, color: true, pairRows: true).contains { $0.hasPrefix("0 / 1") })
    }

    @Test func aWidePictureIsCutToTheWidthAndSaysSo() {
        var wide = examplePicture()
        wide.rows = 1; wide.columns = 100; wide.rowLabels = ["row"]; wide.columnLabels = []
        wide.cells = Array(repeating: .value(.init(1, 2, 3), shade: 1), count: 100)
        let lines = wide.lines(width: 50, color: false)
        for line in lines { #expect(DisplayWidth.of(line) <= 50, "\(line)") }
        #expect(lines.contains { $0.contains("of 100 columns") })
    }

    @Test func emptyOrShortCellListsDoNotTrap() {
        var broken = examplePicture()
        broken.cells = []
        #expect(broken.lines(width: 30, color: true).count > 3)
        broken.rows = 0
        #expect(broken.lines(width: 30, color: false).count == 2)
    }
}

@Suite struct WrapTests {
    @Test func wrapsAtSpacesAndNeverInsideAWord() {
        let words = (0..<40).map { i in String(repeating: "abcdefghij".map(String.init)[i % 10], count: 3 + i % 9) }
        let line = "  " + words.joined(separator: " ")
        let lines = DisplayWidth.wrap(line, width: 40)
        #expect(lines.count > 3)
        for l in lines { #expect(DisplayWidth.of(l) <= 40, "\(l)") }
        #expect(lines.flatMap { $0.split(separator: " ").map(String.init) } == words)
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("    ") })    // the line's indent, plus 2
    }

    @Test func wideCharactersCountTwoAndAreNeverSplit() {
        let chinese = String(repeating: "注意力机制让每个词看到其他词。", count: 5)
        #expect(DisplayWidth.of("注意") == 4 && DisplayWidth.of("e\u{301}") == 1 && DisplayWidth.of("🇫🇷") == 2)
        let lines = DisplayWidth.wrap(chinese, width: 31)
        for l in lines { #expect(DisplayWidth.of(l) <= 31, "\(l)") }
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("  ") })
        #expect(lines.map { $0.trimmingCharacters(in: .whitespaces) }.joined() == chinese)
        // Mixed: the English words stay whole.
        let mixed = "the word attention 注意力 means 注意力机制让每个词看到其他词 and more words follow here"
        let parts = DisplayWidth.wrap(mixed, width: 20)
        for l in parts { #expect(DisplayWidth.of(l) <= 20, "\(l)") }
        for word in ["attention", "means", "follow"] { #expect(parts.contains { $0.contains(word) }) }
    }

    @Test func aWordLongerThanTheLineIsCutBetweenCharacters() {
        let path = "/very/long/path/" + String(repeating: "é", count: 50) + ".png"
        let lines = DisplayWidth.wrap("wrote " + path, width: 30)
        for l in lines { #expect(DisplayWidth.of(l) <= 30, "\(l)") }
        #expect(lines.map { $0.trimmingCharacters(in: .whitespaces) }.joined().contains(path))
        #expect(DisplayWidth.truncate("猫猫猫", to: 4) == "猫…" && DisplayWidth.truncate("ab", to: 4) == "ab")
    }

    @Test func chineseProseWrapsToTheWidth() {
        let text = TerminalText(width: 30, color: false)
        let out = text.prose("注意力机制让每个词看到其他词。**因果**掩码只让它看到过去的词，所以解码器可以一个一个地生成。")
        for line in out.split(separator: "\n") { #expect(DisplayWidth.of(line) <= 30, "\(line)") }
        #expect(out.split(separator: "\n").count >= 3)
    }
}
