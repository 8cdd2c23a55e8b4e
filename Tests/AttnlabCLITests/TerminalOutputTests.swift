import Classroom
import Foundation
import Heatmap
import Testing
@testable import AttnlabCLI

/// What the lesson runner hands the presenter: tables that fit, and pictures built from what a command drew.
@Suite struct TerminalOutputTests {
    @Test func aTableTooWideForTheTerminalBecomesNameValueLines() {
        let table = TextTable(header: ["component", "encoder-only", "decoder-only"],
                              rows: [["embeddings", "39.38M  0.0 GF", "39.38M  0.0 GF"], ["total", "85.00M  87.0 GF", "85.00M  87.0 GF"]])
        let wide = table.lines(columns: nil)
        #expect(wide.count == 3 && wide[1].hasPrefix("  embeddings  39.38M"))
        let narrow = table.lines(columns: 30)
        #expect(narrow == ["  embeddings:", "    encoder-only: 39.38M  0.0 GF", "    decoder-only: 39.38M  0.0 GF",
                           "  total:", "    encoder-only: 85.00M  87.0 GF", "    decoder-only: 85.00M  87.0 GF"])
        for line in narrow { #expect(line.count <= 40) }
    }

    @Test func countUsesTheNarrowLayoutOnANarrowTerminal() {
        let narrow = RunContext.$columns.withValue(50) { attnlab("count", "--preset", "tiny", "--tokens", "16") }
        #expect(narrow.status == 0)
        #expect(narrow.out.contains("  embeddings:") && narrow.out.contains("  decoder-only:"), "\(narrow.out)")
        // The table's lines fit; the long sentences after it are the presenter's to wrap.
        #expect(narrow.out.filter { $0.hasPrefix("    ") || ($0.hasPrefix("  ") && $0.hasSuffix(":")) }.allSatisfy { DisplayWidth.of($0) <= 50 }, "\(narrow.out)")
        let wide = attnlab("count", "--preset", "tiny", "--tokens", "16")
        #expect(!wide.out.contains("  embeddings:") && wide.out.contains { $0.hasPrefix("  component ") })
    }

    @Test func aMaskFigureBecomesAHatchedTerminalPicture() {
        let matrix = LabelledMatrix(rows: 2, columns: 2, values: [1, 0, 1, 1], rowLabels: ["a", "b"], columnLabels: ["a", "b"])
        let picture = TerminalPicture(MatrixFigure(title: "causal mask", matrix: matrix, kind: .mask), file: "m.png")
        #expect(picture.cells[1] == .blocked && picture.cells[0] != .blocked && picture.scale == nil)
        #expect(picture.note == "picture: m.png")
    }

    @Test func aLessonCommandsPicturesComeBackForTheTerminal() throws {
        let folder = try temporaryFolder()
        let drawn = DrawnPictures()
        let status = RunContext.$drawn.withValue(drawn) {
            Console.capture(out: { _ in }) {
                RunContext.$outputFolder.withValue(folder.path) { Attnlab.execute(["mask", "causal", "--len", "3", "--png", "m.png"]) }
            }
        }
        #expect(status == 0)
        let pictures = drawn.terminalPictures()
        #expect(pictures.count == 1 && pictures.first?.rows == 3)
        #expect(pictures.first?.cell(0, 1) == .blocked)
        #expect(pictures.first?.lines(width: 60, color: false).contains { $0.contains("rows are queries") } == true)
    }
}
