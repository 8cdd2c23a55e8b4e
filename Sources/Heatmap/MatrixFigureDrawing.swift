extension Layout {
    /// Draws title, panels, labels, colour bar and legend, in that order.
    func draw(_ figure: MatrixFigure, on canvas: inout Canvas) {
        var y = Heatmap.margin
        canvas.text(figure.title, x: Heatmap.margin, y: y, style: title)
        y += title.height + 6
        for line in Layout.headerLines(figure, notes) {
            canvas.text(line, x: Heatmap.margin, y: y, style: label, .softInk)
            y += label.lineHeight
        }

        for (p, row) in figure.panels.enumerated() {
            for (q, matrix) in row.enumerated() {
                let (x0, y0) = origin(p, q)
                // Captions sit above everything that belongs to their panel (the top row's labels too).
                let captionY = y0 - captionBand - (p == 0 ? columnBand : 0)
                if captionBand > 0 { canvas.text(matrix.caption, x: x0, y: captionY, style: label, .softInk) }
                drawCells(matrix, kind: figure.kind, x0: x0, y0: y0, on: &canvas)
                canvas.frame(x: x0 - 1, y: y0 - 1, width: panelWidth + 2, height: panelHeight + 2, .frame)
                if let stride = labelStride {
                    if q == 0 { drawRowLabels(matrix.rowLabels, stride: stride, x0: x0, y0: y0, on: &canvas) }
                    if p == 0 { drawColumnLabels(matrix.columnLabels, stride: stride, x0: x0, y0: y0, on: &canvas) }
                }
            }
        }
        if case .values(let barLabel) = figure.kind { drawColorBar(label: barLabel, on: &canvas) }
        drawLegend(kind: figure.kind, on: &canvas)
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
                case .blocked: canvas.hatch(x: x, y: y, width: side, height: side, spacing: hatchSpacing)
                case .notANumber: canvas.fill(x: x, y: y, width: side, height: side, .notANumber)
                case .infinite: canvas.fill(x: x, y: y, width: side, height: side, .infinite)
                case .value(let v): canvas.fill(x: x, y: y, width: side, height: side, isMask ? allowed : canvas.palette.index(for: v))
                }
            }
        }
    }

    private enum CellLook { case blocked, notANumber, infinite, value(Float) }

    /// What one drawn cell shows: a single matrix cell, or (binned) a block of them — blocked only if
    /// the whole block is, NaN or infinite if any cell is, else the block's value of largest
    /// magnitude (its largest weight, for a pattern; its most extreme score, keeping the sign).
    private func summary(_ m: LabelledMatrix, rows: Range<Int>, columns: Range<Int>, isMask: Bool) -> CellLook {
        var extreme: Float = 0, anyValue = false, anyAllowed = false, nan = false, infinite = false
        for i in rows {
            for j in columns {
                let value = m[i, j]
                if m.isBlocked(i, j) || (isMask && value == 0) { continue }
                anyAllowed = true
                if value.isNaN { nan = true } else if value.isInfinite { infinite = true } else if !anyValue || abs(value) > abs(extreme) {
                    extreme = value
                    anyValue = true
                }
            }
        }
        if !anyAllowed { return .blocked }
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

    private func drawColorBar(label: String, on canvas: inout Canvas) {
        let scale = canvas.palette.scale
        let barHeight = Layout.barHeight(down * panelHeight + (down - 1) * (Layout.gapPx + captionBand))
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

    private func drawLegend(kind: MatrixFigure.Kind, on canvas: inout Canvas) {
        var x = Heatmap.margin
        let y = height - Heatmap.margin - swatch
        for entry in Layout.legendEntries(kind, seen) {
            switch entry.swatch {
            case .value(let v): canvas.fill(x: x, y: y, width: swatch, height: swatch, canvas.palette.index(for: v))
            case .hatched: canvas.hatch(x: x, y: y, width: swatch, height: swatch, spacing: 6)
            case .fixed(let f): canvas.fill(x: x, y: y, width: swatch, height: swatch, f)
            }
            canvas.frame(x: x - 1, y: y - 1, width: swatch + 2, height: swatch + 2, .frame)
            canvas.text(entry.text, x: x + swatch + 8, y: y, style: label)
            x += swatch + 8 + label.width(entry.text) + 24
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
