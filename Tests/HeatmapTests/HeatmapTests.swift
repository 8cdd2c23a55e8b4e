import Foundation
import Testing
@testable import Heatmap

/// Writes `canvas` to a temporary PNG and decodes it again: every pixel test below looks at what a
/// reader of the file would see.
func roundTrip(_ canvas: Canvas, _ name: String = #function) throws -> RGBImage {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("attnlab-heatmap-\(ProcessInfo.processInfo.processIdentifier)-\(name.filter(\.isLetter)).png").path
    try PNG.write(canvas, to: path)
    defer { unlink(path) }
    return try PNG.read(path)
}

func causalMask(_ n: Int) -> LabelledMatrix {
    LabelledMatrix(rows: n, columns: n, values: (0..<n * n).map { $0 % n <= $0 / n ? 1 : 0 },
                   rowLabels: (0..<n).map(String.init), columnLabels: (0..<n).map(String.init))
}

/// The centre pixel of cell (i, j) of the first panel.
func cellCentre(_ layout: Layout, _ i: Int, _ j: Int) -> (x: Int, y: Int) {
    let (x0, y0) = layout.origin(0, 0)
    return (x0 + j * layout.cell + layout.cell / 2, y0 + i * layout.cell + layout.cell / 2)
}

let maskedColors: Set<RGB> = [Palette.Fixed.masked.rgb, Palette.Fixed.hatch.rgb]

@Suite struct PixelTests {
    @Test func causalMaskBlockedCellsAreMaskedAndAllowedOnesAreNot() throws {
        let figure = MatrixFigure(title: "causal mask, 8 tokens", matrix: causalMask(8), kind: .mask)
        let image = try roundTrip(Heatmap.render(figure))
        let layout = try Layout(figure)
        let allowed = Colormap.viridis.color(at: MaskStyle.allowedValue)
        for i in 0..<8 {
            for j in 0..<8 {
                let (x, y) = cellCentre(layout, i, j)
                // The whole cell, not just its centre: a hatched cell is grey and darker grey only.
                let colors = Set((-3...3).flatMap { dy in (-3...3).map { dx in image[x + dx, y + dy] } })
                if j > i {
                    #expect(colors.isSubset(of: maskedColors), "cell \(i),\(j): \(colors)")
                } else {
                    #expect(colors == [allowed], "cell \(i),\(j): \(colors)")
                }
            }
        }
        #expect(image.width >= 150 && image.height >= 150)
    }

    @Test func colormapEndsAndMarkersForNonFiniteValues() throws {
        let matrix = LabelledMatrix(rows: 1, columns: 5, values: [0, 1, .nan, .infinity, 0.5])
        let figure = MatrixFigure(title: "ends", matrix: matrix)
        let image = try roundTrip(Heatmap.render(figure))
        let layout = try Layout(figure)
        let at = { (j: Int) in image[cellCentre(layout, 0, j).x, cellCentre(layout, 0, j).y] }
        #expect(at(0) == RGB(hex: 0x440154))          // viridis at 0
        #expect(at(1) == RGB(hex: 0xFDE725))          // viridis at 1
        #expect(at(2) == Palette.Fixed.notANumber.rgb)
        #expect(at(3) == Palette.Fixed.infinite.rgb)
        #expect(at(4) == Colormap.viridis.color(at: Float(Palette.rampSize / 2 - 1) / Float(Palette.rampSize - 1))
                || at(4) == Colormap.viridis.color(at: Float(Palette.rampSize / 2) / Float(Palette.rampSize - 1)))
        // No ordinary value is drawn in a marker or masked colour.
        let ramp = Palette(scale: .unit).colors.prefix(Palette.rampSize)
        #expect(!ramp.contains(Palette.Fixed.notANumber.rgb) && !ramp.contains(Palette.Fixed.infinite.rgb))
        #expect(!ramp.contains { maskedColors.contains($0) })
    }

    @Test func divergingScaleIsWhiteAtZeroAndSymmetric() {
        let scale = ColorScale.diverging(fitting: [-3, 1, 2])
        #expect(scale.low == -3 && scale.high == 3)
        #expect(scale.colormap.color(at: scale.position(0)) == RGB(hex: 0xF7F6F6))
        #expect(scale.colormap.color(at: scale.position(-3)) == RGB(hex: 0x053061))
        #expect(scale.colormap.color(at: scale.position(3)) == RGB(hex: 0x67001F))
    }

    @Test func glyphsLandExactlyWhereDrawn() throws {
        var canvas = Canvas(width: 40, height: 30, palette: Palette(scale: .unit))
        canvas.text("A", x: 5, y: 4, style: TextStyle(font: .builtin, scale: 2))
        let image = try roundTrip(canvas)
        let ink = Palette.Fixed.ink.rgb
        let glyph = try #require(BitmapFont.glyph("A"))
        for row in 0..<BitmapFont.glyphHeight {
            for column in 0..<5 {
                let on = glyph.isInk(row: row, column: column)
                for dy in 0..<2 { for dx in 0..<2 {
                    #expect((image[5 + column * 2 + dx, 4 + row * 2 + dy] == ink) == on)
                } }
            }
        }
        #expect(BitmapFont.glyph("é") == nil && Font.builtin.shape("é").glyphs.map(\.glyph) == [BitmapFont.box])
    }

    @Test func labelsPutInkBesideTheirOwnRows() throws {
        var matrix = causalMask(6)
        matrix.rowLabels = ["cat", "", "sat", "", "", "mat"]
        let figure = MatrixFigure(title: "labels", matrix: matrix, kind: .mask)
        let image = try roundTrip(Heatmap.render(figure))
        let layout = try Layout(figure)
        let (x0, y0) = layout.origin(0, 0)
        for i in 0..<6 {
            let band = (y0 + i * layout.cell)..<(y0 + (i + 1) * layout.cell)
            let inked = band.contains { y in (Heatmap.margin..<(x0 - 2)).contains { x in image[x, y] == Palette.Fixed.ink.rgb } }
            #expect(inked == !matrix.rowLabels[i].isEmpty, "row \(i)")
        }
    }
}

@Suite struct SizeTests {
    @Test func fewTokensAreBigAndManyStayWithinBounds() throws {
        let small = try Heatmap.render(MatrixFigure(title: "8", matrix: causalMask(8), kind: .mask))
        #expect(small.width >= 150 && small.height >= 150)
        let large = try Heatmap.render(MatrixFigure(title: "1024", matrix: causalMask(1024), kind: .mask))
        #expect(large.width <= Heatmap.maximumSide && large.height <= Heatmap.maximumSide)
        let layout = try Layout(MatrixFigure(title: "1024", matrix: causalMask(1024), kind: .mask))
        #expect(layout.labelStride == nil && layout.notes.first?.contains("left out") == true)
        let medium = try Layout(MatrixFigure(title: "300", matrix: causalMask(300), kind: .mask))
        #expect((medium.labelStride ?? 0) > 1 && medium.notes.first?.contains("every") == true)
    }

    @Test func longPatternsInAGridAreBinnedToFit() throws {
        // 8 panels 1024 keys wide side by side: even one pixel a cell is too wide, so blocks are drawn.
        var panel = LabelledMatrix(rows: 8, columns: 1024, values: Array(repeating: 0.5, count: 8 * 1024))
        panel.blocked = (0..<(8 * 1024)).map { $0 % 1024 >= 512 }     // the right half blocked
        panel.values[0] = .nan
        let figure = MatrixFigure(title: "binned", panels: [Array(repeating: panel, count: 8)])
        let layout = try Layout(figure)
        #expect(layout.bin > 1 && layout.notes.contains { $0.contains("largest magnitude") })
        let image = try roundTrip(Heatmap.render(figure))
        #expect(image.width <= Heatmap.maximumSide)
        let (x0, y0) = layout.origin(0, 0)
        #expect(image[x0, y0] == Palette.Fixed.notANumber.rgb)                       // the NaN block
        #expect(maskedColors.contains(image[x0 + layout.panelWidth - 1, y0]))        // top-right: all blocked
    }

    @Test func aWholeModelGridFits() throws {
        let panel = LabelledMatrix(rows: 128, columns: 128, values: Array(repeating: 0.5, count: 128 * 128))
        let figure = MatrixFigure(title: "grid", panels: Array(repeating: Array(repeating: panel, count: 12), count: 12))
        let canvas = try Heatmap.render(figure)
        #expect(canvas.width <= Heatmap.maximumSide && canvas.height <= Heatmap.maximumSide)
    }
}

@Suite struct BadInputTests {
    @Test func emptyRaggedAndAbsurdMatricesAreErrors() {
        #expect(throws: HeatmapError.empty) { try Heatmap.render(MatrixFigure(title: "", panels: [])) }
        #expect(throws: HeatmapError.empty) {
            try Heatmap.render(MatrixFigure(title: "", matrix: LabelledMatrix(rows: 0, columns: 0, values: [])))
        }
        #expect(throws: HeatmapError.self) {
            try Heatmap.render(MatrixFigure(title: "", matrix: LabelledMatrix(rows: 2, columns: 2, values: [1])))
        }
        let huge = LabelledMatrix(rows: 100_000, columns: 1, values: Array(repeating: 0, count: 100_000))
        #expect(throws: HeatmapError.tooLarge(rows: 100_000, columns: 1, panels: 1)) {
            try Heatmap.render(MatrixFigure(title: "", matrix: huge))
        }
        #expect(throws: HeatmapError.empty) {
            try LinePlot(title: "", xLabel: "", yLabel: "", series: [.init(name: "a", y: [.nan])]).render()
        }
    }

    @Test func unwritablePathIsAnErrorAndLeavesNothing() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attnlab-ro-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let canvas = try Heatmap.render(MatrixFigure(title: "x", matrix: causalMask(3), kind: .mask))
        let target = folder.appendingPathComponent("missing/sub/picture.png").path
        #expect(throws: PNGError.self) { try PNG.write(canvas, to: target) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        #expect(throws: PNGError.self) { try PNG.read(folder.appendingPathComponent("none.png").path) }
    }
}

@Suite struct DeterminismAndPlotTests {
    @Test func samePictureSameBytes() throws {
        let figure = MatrixFigure(title: "same", subtitle: "twice", matrix: causalMask(12), kind: .mask)
        let folder = FileManager.default.temporaryDirectory
        let a = folder.appendingPathComponent("attnlab-same-a-\(ProcessInfo.processInfo.processIdentifier).png").path
        let b = folder.appendingPathComponent("attnlab-same-b-\(ProcessInfo.processInfo.processIdentifier).png").path
        try PNG.write(Heatmap.render(figure), to: a)
        try PNG.write(Heatmap.render(figure), to: b)
        defer { unlink(a); unlink(b) }
        #expect(FileManager.default.contents(atPath: a) == FileManager.default.contents(atPath: b))
    }

    @Test func linePlotDrawsEachSeriesInItsColour() throws {
        let plot = LinePlot(title: "singular values", xLabel: "rank", yLabel: "value",
                            series: [.init(name: "causal", y: [4, 2, 1, 0.5]), .init(name: "bidirectional", y: [3, 0.1, 0.01, 0.001])],
                            logY: true)
        let image = try roundTrip(plot.render())
        var colors = Set<RGB>()
        for y in 0..<image.height { for x in 0..<image.width { colors.insert(image[x, y]) } }
        #expect(colors.contains(Palette.Fixed.series0.rgb) && colors.contains(Palette.Fixed.series1.rgb))
    }

    @Test func niceTicks() {
        #expect(Ticks.nice(0, 1) == [0, 0.25, 0.5, 0.75, 1])
        #expect(Ticks.nice(-3, 3) == [-2, 0, 2])
        #expect(Ticks.nice(-3, 3, count: 7) == [-3, -2, -1, 0, 1, 2, 3])
        #expect(Ticks.decades(0.001, 10) == [0.001, 0.01, 0.1, 1, 10])
        #expect(Ticks.label(0.25) == "0.25" && Ticks.label(2) == "2" && Ticks.label(1e-6) == "1e-6")
    }
}
