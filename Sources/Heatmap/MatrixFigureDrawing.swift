extension Layout {
    /// Draws title, axis titles, panels, labels, dividers, colour bar and legend, in that order.
    func draw(_ figure: MatrixFigure, on canvas: inout Canvas) {
        var y = Heatmap.margin
        canvas.text(figure.title, x: Heatmap.margin, y: y, style: title)
        y += title.height + 6
        for line in Layout.headerLines(figure, notes) {
            canvas.text(line, x: Heatmap.margin, y: y, style: label, .softInk)
            y += label.lineHeight
        }
        drawAxisTitles(figure, on: &canvas)

        for (p, row) in figure.panels.enumerated() {
            for (q, matrix) in row.enumerated() {
                let (x0, y0) = origin(p, q)
                // Every row of panels has its captions and column labels above it.
                if captionBand > 0 { canvas.text(matrix.caption, x: x0, y: y0 - columnBand - captionBand, style: title) }
                drawCells(matrix, kind: figure.kind, x0: x0, y0: y0, on: &canvas)
                canvas.frame(x: x0 - 1, y: y0 - 1, width: panelWidth + 2, height: panelHeight + 2, .frame)
                if let stride = labelStride {
                    if q == 0 { drawRowLabels(matrix.rowLabels, stride: stride, x0: x0, y0: y0, on: &canvas) }
                    drawColumnLabels(matrix.columnLabels, stride: stride, x0: x0, y0: y0, on: &canvas)
                }
                drawDividers(figure.dividers, x0: x0, y0: y0, labelled: p == down - 1, on: &canvas)
            }
        }
        if case .values(let barLabel) = figure.kind { drawColorBar(label: barLabel, on: &canvas) }
        drawLegend(on: &canvas)
    }

    /// The row title turned up beside the row labels, centred on the grid; the column title
    /// across the top, centred over the grid.
    private func drawAxisTitles(_ figure: MatrixFigure, on canvas: inout Canvas) {
        if rowTitleBand > 0 { canvas.text(figure.rowTitle, x: Heatmap.margin, y: rowTitleBottom, style: label, direction: .up) }
        if columnTitleBand > 0 {
            let width = label.width(figure.columnTitle)
            let x = max(Heatmap.margin + rowTitleBand, left + (gridRight - left - width) / 2)
            canvas.text(figure.columnTitle, x: x, y: top - columnBand - captionBand - columnTitleBand, style: label)
        }
    }

    private func drawCells(_ m: LabelledMatrix, kind: MatrixFigure.Kind, x0: Int, y0: Int, on canvas: inout Canvas) {
        let inset = cell >= 12 ? 1 : 0            // a hairline of background between big cells
        let side = cell - inset
        let hatchSpacing = cell >= 8 ? 6 : 0
        let allowed = canvas.palette.index(for: MaskStyle.allowedValue)
        let isMask: Bool
        if case .mask = kind { isMask = true } else { isMask = false }
        for bi in 0..<((m.rows + bin - 1) / bin) {
            for bj in 0..<((m.columns + bin - 1) / bin) {
                let (x, y) = (x0 + bj * cell, y0 + bi * cell)
                switch summary(m, rows: (bi * bin)..<min((bi + 1) * bin, m.rows), columns: (bj * bin)..<min((bj + 1) * bin, m.columns),
                               isMask: isMask) {
                case .blocked(let bits):
                    canvas.hatch(x: x, y: y, width: side, height: side, spacing: hatchSpacing, Layout.hatch(bits))
                case .notANumber: canvas.fill(x: x, y: y, width: side, height: side, .notANumber)
                case .infinite: canvas.fill(x: x, y: y, width: side, height: side, .infinite)
                case .value(let v): canvas.fill(x: x, y: y, width: side, height: side, isMask ? allowed : canvas.palette.index(for: v))
                }
            }
        }
    }

    private enum CellLook { case blocked(UInt8), notANumber, infinite, value(Float) }

    /// What one drawn cell shows: a single matrix cell, or (binned) a block of them — blocked only if
    /// the whole block is (by every rule blocking any of its cells), NaN or infinite if any cell is,
    /// else the block's value of largest magnitude (its largest weight, for a pattern; its most
    /// extreme score, keeping the sign).
    private func summary(_ m: LabelledMatrix, rows: Range<Int>, columns: Range<Int>, isMask: Bool) -> CellLook {
        var extreme: Float = 0, anyValue = false, anyAllowed = false, nan = false, infinite = false
        var bits: UInt8 = 0
        for i in rows {
            for j in columns {
                let value = m[i, j], rules = Layout.rules(m, i, j, isMask: isMask)
                if rules != 0 { bits |= rules; continue }
                anyAllowed = true
                if value.isNaN { nan = true } else if value.isInfinite { infinite = true } else if !anyValue || abs(value) > abs(extreme) {
                    extreme = value
                    anyValue = true
                }
            }
        }
        if !anyAllowed { return .blocked(bits) }
        if nan { return .notANumber }
        if infinite { return .infinite }
        return .value(extreme)
    }

    private func drawRowLabels(_ labels: [String], stride: Int, x0: Int, y0: Int, on canvas: inout Canvas) {
        let ink = canvas.palette.index(.ink)
        for (i, label) in labels.enumerated() where i % stride == 0 {
            let shaped = self.label.font.shape(Layout.shorten(label))
            let y = y0 + i * cell + (cell - self.label.height) / 2       // the glyph box centred on its row
            canvas.draw(shaped, x: x0 - 6 - shaped.width * self.label.scale, y: y, scale: self.label.scale, ink)
        }
    }

    private func drawColumnLabels(_ labels: [String], stride: Int, x0: Int, y0: Int, on canvas: inout Canvas) {
        let ink = canvas.palette.index(.ink), scale = self.label.scale
        for (j, label) in labels.enumerated() where j % stride == 0 {
            let shaped = self.label.font.shape(Layout.shorten(label))
            if uprightColumnLabels {
                let x = x0 + j * cell + (cell - shaped.width * scale) / 2
                canvas.draw(shaped, x: x, y: y0 - 5 - self.label.height, scale: scale, ink)
            } else {
                // Rotated, the glyph box's height runs across the column: centre it on the cell.
                let x = x0 + j * cell + (cell - self.label.height) / 2
                canvas.draw(shaped, x: x, y: y0 - 6, scale: scale, ink, direction: .up)
            }
        }
    }

    /// How thick a divider is: over the hairline between big cells and a pixel of each neighbour.
    var dividerThickness: Int { cell >= 12 ? 3 : cell >= 4 ? 2 : 1 }

    /// The first pixel (x for columns, y for rows) of the divider before matrix index `index`.
    func dividerStart(_ index: Int, from origin: Int) -> Int {
        origin + index / bin * cell - (dividerThickness + 1) / 2
    }

    /// Lines a little longer than the panel, so that their ends show outside it; a line between
    /// columns reaches down to its label under the bottom row of panels.
    private func drawDividers(_ dividers: [Divider], x0: Int, y0: Int, labelled: Bool, on canvas: inout Canvas) {
        let t = dividerThickness
        for divider in dividers {
            switch divider.axis {
            case .rows:
                canvas.fill(x: x0 - 4, y: dividerStart(divider.index, from: y0), width: panelWidth + 8, height: t, .marker)
            case .columns:
                let x = dividerStart(divider.index, from: x0)
                let room = x0 + panelWidth + Layout.gapPx - (x + t + 4)
                let written = labelled && dividerBand > 0 && label.width(divider.label) <= room
                canvas.fill(x: x, y: y0 - 4, width: t, height: panelHeight + 8 + (written ? label.height : 0), .marker)
                if written { canvas.text(divider.label, x: x + t + 4, y: y0 + panelHeight + 6, style: label) }
            }
        }
    }

    private func drawColorBar(label: String, on canvas: inout Canvas) {
        let scale = canvas.palette.scale
        let barHeight = Layout.barHeight(gridHeight)
        let (x, y, w) = (barX, top, 16)
        for r in 0..<barHeight {
            let value = scale.high - (scale.high - scale.low) * Float(r) / Float(barHeight - 1)
            canvas.fill(x: x, y: y + r, width: w, height: 1, canvas.palette.index(for: value))
        }
        canvas.frame(x: x - 1, y: y - 1, width: w + 2, height: barHeight + 2, .frame)
        for tick in Ticks.nice(Double(scale.low), Double(scale.high)) {
            let r = Int(((Double(scale.high) - tick) / Double(scale.high - scale.low) * Double(barHeight - 1)).rounded())
            canvas.fill(x: x + w, y: y + r, width: 4, height: 1, .ink)
            canvas.text(Ticks.label(tick), x: x + w + 8, y: y + r - self.label.height / 2, style: self.label)
        }
        if !label.isEmpty { canvas.text(label, x: x, y: y + barHeight + 8, style: self.label, .softInk) }
    }

    /// The top-left corner of legend entry `k` of line `line`, for drawing and for tests.
    func legendSwatch(line: Int, entry k: Int) -> (x: Int, y: Int) {
        let before = legend[line].prefix(k).map { swatch + 8 + label.width($0.text) + 24 }.reduce(0, +)
        return (Heatmap.margin + before, legendTop + 4 + line * legendLineHeight)
    }

    private func drawLegend(on canvas: inout Canvas) {
        for (n, line) in legend.enumerated() {
            for (k, entry) in line.enumerated() {
                let (x, y) = legendSwatch(line: n, entry: k)
                switch entry.swatch {
                case .value(let v): canvas.fill(x: x, y: y, width: swatch, height: swatch, canvas.palette.index(for: v))
                case .hatched(let lines): canvas.hatch(x: x, y: y, width: swatch, height: swatch, spacing: 6, lines)
                case .fixed(let f): canvas.fill(x: x, y: y, width: swatch, height: swatch, f)
                case .line: canvas.fill(x: x + swatch / 2 - 1, y: y, width: 3, height: swatch, .marker)
                }
                if case .line = entry.swatch {} else {
                    canvas.frame(x: x - 1, y: y - 1, width: swatch + 2, height: swatch + 2, .frame)
                }
                canvas.text(entry.text, x: x + swatch + 8, y: y, style: label)
            }
        }
    }

    /// Long labels end in ".." so one token cannot push the picture wide.
    static func shorten(_ label: String) -> String {
        label.count <= Heatmap.longestLabel ? label : String(label.prefix(Heatmap.longestLabel - 2)) + ".."
    }
}

/// How a mask's allowed cells are coloured: a bright, saturated end of the colour map.
enum MaskStyle {
    static let allowedValue: Float = 0.8
}
