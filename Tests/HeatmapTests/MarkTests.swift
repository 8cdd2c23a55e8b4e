import Foundation
import Testing
@testable import Heatmap

/// The marks a class reads a picture by: axis titles, captions and labels over every row of
/// panels, one hatch per blocking rule, dividers, and in plots the axis from 0, token ticks and
/// markers. Every test decodes the PNG and looks at its pixels.

/// Whether pixel (x, y) lies on a rising (/) or a falling (\) line of a 6-pixel hatch.
private func onRising(_ x: Int, _ y: Int) -> Bool { (x + y) % 6 == 0 }
private func onFalling(_ x: Int, _ y: Int) -> Bool { (x - y + 6 * 10_000) % 6 == 0 }

/// The hatch-line pixels inside cell (i, j), away from its edges.
private func hatchPixels(_ image: RGBImage, _ layout: Layout, _ i: Int, _ j: Int) -> [(x: Int, y: Int)] {
    let (x0, y0) = layout.origin(0, 0)
    var found: [(x: Int, y: Int)] = []
    for y in (y0 + i * layout.cell + 2)..<(y0 + (i + 1) * layout.cell - 3) {
        for x in (x0 + j * layout.cell + 2)..<(x0 + (j + 1) * layout.cell - 3) where image[x, y] == Palette.Fixed.hatch.rgb {
            found.append((x, y))
        }
    }
    return found
}

@Suite struct HatchTests {
    /// Row 0: blocked by rule 1 alone, by rule 2 alone, by both, and allowed.
    static let figure: MatrixFigure = {
        var matrix = LabelledMatrix(rows: 2, columns: 4, values: [0, 0, 0, 1, 1, 1, 1, 1])
        matrix.blockedBy = [1, 2, 3, 0, 0, 0, 0, 0]
        return MatrixFigure(title: "two rules", matrix: matrix, kind: .mask, blockRules: ["by the first", "by the second"], font: .builtin)
    }()

    @Test func eachRuleHasItsOwnHatchAndBothGiveACrossHatch() throws {
        let layout = try Layout(Self.figure)
        let image = try roundTrip(Heatmap.render(Self.figure))
        let first = hatchPixels(image, layout, 0, 0), second = hatchPixels(image, layout, 0, 1), both = hatchPixels(image, layout, 0, 2)
        #expect(first.count > 10 && second.count > 10)
        #expect(first.allSatisfy { onRising($0.x, $0.y) } && !first.contains { onFalling($0.x, $0.y) && !onRising($0.x, $0.y) })
        #expect(second.allSatisfy { onFalling($0.x, $0.y) } && !second.contains { onRising($0.x, $0.y) && !onFalling($0.x, $0.y) })
        #expect(both.contains { onRising($0.x, $0.y) && !onFalling($0.x, $0.y) })
        #expect(both.contains { onFalling($0.x, $0.y) && !onRising($0.x, $0.y) })
        #expect(hatchPixels(image, layout, 0, 3).isEmpty)
    }

    @Test func theLegendNamesBothRulesAndTheCellsBothBlock() throws {
        let layout = try Layout(Self.figure)
        #expect(layout.legend.joined().map(\.text) == ["may attend", "by the first", "by the second", "blocked by both"])
        // Each hatched swatch is drawn in its own direction.
        let image = try roundTrip(Heatmap.render(Self.figure))
        let entries = layout.legend.enumerated().flatMap { line, entries in entries.indices.map { (line, $0) } }
        for (k, lines) in [(1, Canvas.Hatch.rising), (2, .falling)] {
            let (x, y) = layout.legendSwatch(line: entries[k].0, entry: entries[k].1)
            for dy in 1..<(layout.swatch - 1) { for dx in 1..<(layout.swatch - 1) where image[x + dx, y + dy] == Palette.Fixed.hatch.rgb {
                #expect(lines == .rising ? onRising(x + dx, y + dy) : onFalling(x + dx, y + dy))
            } }
        }
        // One unnamed rule keeps the one generic entry.
        let plain = try Layout(MatrixFigure(title: "causal", matrix: causalMask(4), kind: .mask, font: .builtin))
        #expect(plain.legend.joined().map(\.text) == ["may attend", "blocked: may not attend"])
    }
}

@Suite struct DividerTests {
    static func figure(_ dividers: [Divider]) -> MatrixFigure {
        MatrixFigure(title: "prefix", matrix: causalMask(8), kind: .mask, dividers: dividers, font: .builtin)
    }

    @Test func aPrefixLineRunsBetweenItsRowsAndColumnsAndNowhereElse() throws {
        let figure = Self.figure([Divider(.columns, before: 3, label: "ends", legend: "the prefix ends"),
                                  Divider(.rows, before: 3, label: "ends", legend: "the prefix ends")])
        let layout = try Layout(figure)
        let image = try roundTrip(Heatmap.render(figure))
        let (x0, y0) = layout.origin(0, 0)
        let marker = Palette.Fixed.marker.rgb
        let lineX = layout.dividerStart(3, from: x0), lineY = layout.dividerStart(3, from: y0)
        // Between column 2 and column 3, all the way down; between row 2 and row 3, all the way across.
        #expect(lineX < x0 + 3 * layout.cell && lineX + layout.dividerThickness > x0 + 3 * layout.cell - 1)
        #expect((y0..<(y0 + layout.panelHeight)).allSatisfy { image[lineX, $0] == marker })
        #expect((x0..<(x0 + layout.panelWidth)).allSatisfy { image[$0, lineY] == marker })
        // No other column or row of the panel is marked: they cross the one line only.
        for j in [1, 2, 4, 6] {
            let x = x0 + j * layout.cell - 1
            #expect((y0..<(y0 + layout.panelHeight)).filter { image[x, $0] == marker }.count == layout.dividerThickness, "column \(j)")
            let y = y0 + j * layout.cell - 1
            #expect((x0..<(x0 + layout.panelWidth)).filter { image[$0, y] == marker }.count == layout.dividerThickness, "row \(j)")
        }
        // The short label under the panel beside the line, and the legend's longer text once.
        #expect(inkRows(image, xs: (lineX + 3)..<(lineX + 60), ys: (y0 + layout.panelHeight + 2)..<(y0 + layout.panelHeight + 30)) > 5)
        #expect(layout.legend.joined().map(\.text) == ["may attend", "blocked: may not attend", "the prefix ends"])
    }

    @Test func aDividerOutsideTheMatrixIsRefused() {
        for index in [0, 8, -1] {
            #expect(throws: HeatmapError.self) { try Heatmap.render(Self.figure([Divider(.columns, before: index, label: "x")])) }
        }
    }
}

@Suite(.enabled(if: unifontInstalled, withoutUnifont)) struct AxisTitleTests {
    let font: Font
    init() throws { font = try Font.unifont(path: unifontPath) }

    @Test func axisTitlesAreDrawnDownTheSideAndAcrossTheTop() throws {
        var picture = figure(labels: ["a", "b", "c"], font: font)
        (picture.rowTitle, picture.columnTitle) = ("query (the token that attends)", "key (attended to)")
        let layout = try Layout(picture)
        let image = try roundTrip(Heatmap.render(picture))
        let (x0, y0) = layout.origin(0, 0)
        let across = try #require(locate(HexFile.bitmap("key (attended to)"), in: image, xs: 0..<image.width, ys: 0..<y0))
        #expect(across.y + 16 <= y0 - layout.columnBand)           // above the column labels
        let down = locate(turnedUp(try HexFile.bitmap("query (the token that attends)")), in: image,
                          xs: 0..<(x0 - layout.rowBand), ys: 0..<image.height)
        #expect(down != nil, "the row title is not drawn, turned up, left of the row labels")
        // Without titles, no room is taken for them.
        let plain = try Layout(MatrixFigure(title: "tokens", matrix: picture.panels[0][0], font: font))
        #expect(plain.rowTitleBand == 0 && plain.columnTitleBand == 0 && plain.left < layout.left)
    }

    @Test func tickTextGivesThePositionAndUnderItTheToken() throws {
        let ticks = ["<bos>", "the", "cat", "sat"].enumerated().map { LinePlot.Tick(x: Double($0), label: "\($0)\n\($1)") }
        let plot = LinePlot(title: "change", xLabel: "position (token)", yLabel: "change",
                            series: [.init(name: "s", x: [0, 1, 2, 3], y: [0, 0, 1, 2])], xTicks: ticks, font: font)
        let image = try roundTrip(plot.render())
        let bottom = (image.height - 120)..<image.height
        let number = try #require(locate(HexFile.bitmap("3"), in: image, xs: 0..<image.width, ys: bottom))
        let token = try #require(locate(HexFile.bitmap("sat"), in: image, xs: 0..<image.width, ys: bottom))
        #expect(token.y == number.y + 18 && abs((token.x + 12) - (number.x + 4)) <= 1)      // centred under it
        #expect(try locate(HexFile.bitmap("position (token)"), in: image, xs: 0..<image.width, ys: bottom) != nil)
    }

    @Test func everyRowOfPanelsHasItsColumnLabelsAndLargeCaptions() throws {
        let panel = figure(labels: ["cat", "sat", "mat"], font: font).panels[0][0]
        let captions = [["L0 H0", "L0 H1"], ["L1 H0", "L1 H1"]]
        let panels = captions.map { row in row.map { caption in var m = panel; m.caption = caption; return m } }
        let grid = MatrixFigure(title: "grid", panels: panels, font: font)
        let layout = try Layout(grid)
        let image = try roundTrip(Heatmap.render(grid))
        for p in 0..<2 {
            for q in 0..<2 {
                let (x0, y0) = layout.origin(p, q)
                let above = (y0 - layout.columnBand - layout.captionBand - 2)..<y0
                // The caption at the title's size (32 px), and "sat" over the second column.
                #expect(locate(scaled(try HexFile.bitmap(captions[p][q]), 2), in: image, xs: (x0 - 2)..<(x0 + 4), ys: above) != nil,
                        "caption of panel \(p),\(q)")
                let column = try HexFile.bitmap("sat")
                #expect(locate(column, in: image, xs: (x0 + layout.cell - 4)..<(x0 + 2 * layout.cell), ys: above) != nil
                        || locate(turnedUp(column), in: image, xs: (x0 + layout.cell - 4)..<(x0 + 2 * layout.cell), ys: above) != nil,
                        "column labels of panel \(p),\(q)")
            }
        }
    }
}

@Suite struct PlotMarkTests {
    @Test func magnitudesStartAtZeroAndSignedValuesDoNot() {
        let plot = LinePlot(title: "", xLabel: "", yLabel: "", series: [])
        #expect(plot.ranges([1, 2], [5, 6]).y0 == 0)
        #expect(plot.ranges([1, 2], [0, 0]) == (1, 2, 0, 1))
        #expect(plot.ranges([1, 2], [-1, 2]).y0 < -1)
        var logPlot = plot
        logPlot.logY = true
        #expect(logPlot.ranges([1, 2], [5, 60]).y0 == 1)
    }

    @Test func aMarkerIsADashedLineAtItsPlaceAndTicksCarryTokens() throws {
        let ticks = (0..<5).map { LinePlot.Tick(x: Double($0), label: "\($0)\nw\($0)") }
        var plot = LinePlot(title: "change", xLabel: "position (token)", yLabel: "change",
                            series: [.init(name: "positions", x: [0, 1, 2, 3, 4], y: [0, 0, 1, 2, 1])], xTicks: ticks, font: .builtin)
        let without = try roundTrip(plot.render(), "without")
        plot.markers = [LinePlot.Marker(x: 2, label: "changed")]
        let image = try roundTrip(plot.render())
        let marked = (0..<image.width).map { x in (0..<image.height).filter { image[x, $0] == Palette.Fixed.marker.rgb }.count }
        #expect(!(0..<without.width).contains { x in (0..<without.height).contains { without[x, $0] == Palette.Fixed.marker.rgb } })
        // The line is at x = 2: half-way across a plot from -0.5 to 4.5, give or take its width.
        let column = try #require(marked.indices.max { marked[$0] < marked[$1] })
        #expect(marked[column] > 100)
        let frame = (0..<image.width).filter { x in (0..<image.height).filter { image[x, $0] == Palette.Fixed.ink.rgb }.count > 300 }
        let (left, right) = (try #require(frame.first), try #require(frame.last))
        #expect(abs(Double(column - left) / Double(right - left) - 0.5) < 0.02)
        // Dashed: between its dashes, the column shows what lies under it.
        let framed = (0..<image.height).filter { image[left, $0] == Palette.Fixed.ink.rgb }
        #expect(framed.filter { image[column, $0] != Palette.Fixed.marker.rgb }.count > 50)
    }

    @Test func stackedPlotsShareOnePicture() throws {
        let a = LinePlot(title: "a", xLabel: "x", yLabel: "y", series: [.init(name: "s", y: [1, 2, 3])], font: .builtin)
        let b = LinePlot(title: "b", xLabel: "x", yLabel: "y", series: [.init(name: "s", y: [1, 3, 6])], font: .builtin)
        let (one, two) = (try a.render(), try b.render())
        let both = try LinePlot.render(stacked: [a, b])
        #expect(both.height == one.height + two.height && both.width == max(one.width, two.width))
        #expect(both[10, one.height + 20] == two[10, 20] && both[30, 20] == one[30, 20])
    }
}
