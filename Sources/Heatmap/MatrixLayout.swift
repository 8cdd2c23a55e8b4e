/// Where everything goes, worked out before anything is drawn.
///
/// From the top: the title, the subtitle and notes, the column title; then each row of panels with
/// its captions (grids only) and its own column labels above it; then the divider labels and the
/// legend. From the left: the row title (turned up), the row labels, the panels, the colour bar.
struct Layout {
    let rows: Int, columns: Int, across: Int, down: Int
    let cell: Int                    // cell side in pixels
    /// Matrix cells per drawn cell along each axis: 1, unless even one pixel a cell is too many
    /// (long inputs in a grid of panels); then each pixel shows a bin × bin block.
    let bin: Int
    let label: TextStyle, title: TextStyle
    let labelStride: Int?            // every how many tokens a label is drawn; nil = none
    let uprightColumnLabels: Bool    // short column labels that fit their cell stay horizontal
    let rowBand: Int, columnBand: Int, captionBand: Int
    /// Room for the row title down the left, the column title across the top, and the labels of
    /// dividers under the panels; 0 when there are none.
    let rowTitleBand: Int, columnTitleBand: Int, dividerBand: Int
    let top: Int, left: Int          // the first panel's cells start here
    /// Where the turned-up row title ends (its bottom: it rises from there), and where the legend starts.
    let rowTitleBottom: Int, legendTop: Int
    let barX: Int
    let width: Int, height: Int
    let notes: [String]
    let seen: Seen                   // which non-value cells occur, for the legend
    /// The legend, wrapped into lines that fit the picture.
    let legend: [[LegendEntry]]

    /// Which kinds of non-value cells occur in the figure: `rules` holds each combination of
    /// blocking rules' bits found on a cell.
    struct Seen { var rules: Set<UInt8> = [], notANumber = false, infinite = false }

    var panelWidth: Int { Layout.side(columns, cell, bin) }
    var panelHeight: Int { Layout.side(rows, cell, bin) }
    var gridHeight: Int { down * panelHeight + (down - 1) * rowPitchExtra }
    var gridRight: Int { left + across * panelWidth + (across - 1) * Layout.gapPx }
    /// What separates one row of panels from the next besides the panels: gap, captions, labels.
    var rowPitchExtra: Int { Layout.gapPx + captionBand + columnBand }
    var swatch: Int { label.height }     // the legend's colour squares, as tall as its text
    var legendLineHeight: Int { swatch + 10 }

    /// Pixels taken by `count` cells drawn `cell` pixels each, `bin` cells to a drawn cell.
    static func side(_ count: Int, _ cell: Int, _ bin: Int) -> Int { (count + bin - 1) / bin * cell }

    /// Whether the panels' cells fit in a picture, leaving room for titles, labels and the colour
    /// bar; `rowExtra` is what each row of panels needs besides its cells (captions and labels).
    static func fits(_ panel: LabelledMatrix, across: Int, down: Int, cell: Int, bin: Int, rowExtra: Int) -> Bool {
        let room = Heatmap.maximumSide - 600
        return across * side(panel.columns, cell, bin) + (across - 1) * gapPx <= room
            && down * (side(panel.rows, cell, bin) + gapPx + rowExtra) <= room
    }

    init(_ figure: MatrixFigure) throws {
        let font = try figure.font ?? Font.standard()
        let style = font.label                  // `label` itself cannot be used in closures until init ends
        let titleStyle = font.title
        (label, title) = (style, titleStyle)
        let first = figure.panels[0][0]
        let (across, down) = (figure.panels[0].count, figure.panels.count)
        (rows, columns, self.across, self.down) = (first.rows, first.columns, across, down)
        let n = max(rows, columns), single = across * down == 1
        // Panel captions are as large as the title, to be read from the back of a room.
        let captionBand = single ? 0 : titleStyle.height + 6
        self.captionBand = captionBand
        // Cell size: generous for a few tokens, 10 px up to 256 tokens, then shrinking.
        // Panels of a grid are at least as wide as their captions.
        let target = single ? 720 : max(160, 1500 / across)
        let captionWidth = single ? 0 : figure.panels.joined().map { titleStyle.width($0.caption) + 4 }.max() ?? 0
        var cell = single ? (n <= 256 ? min(48, max(10, target / n)) : min(8, max(1, 2048 / n)))
            : min(24, max(1, target / n, (captionWidth + columns - 1) / columns))
        // Shrink the cells, then if even one pixel a cell is too many, draw blocks of cells. The
        // column labels' room is counted at its largest (turned up), since it depends on the cell.
        let widest = { (labels: [String]) in labels.map { style.width(Layout.shorten($0)) }.max() ?? 0 }
        let labelRoom = first.columnLabels.isEmpty ? 0 : widest(first.columnLabels) + 8
        let fits = { (cell: Int, bin: Int) in
            Layout.fits(first, across: across, down: down, cell: cell, bin: bin, rowExtra: captionBand + labelRoom)
        }
        while cell > 1 && !fits(cell, 1) { cell -= 1 }
        var bin = 1
        while !fits(cell, bin) && bin < n { bin += 1 }
        guard n <= Heatmap.largestMatrix, fits(cell, bin) else {
            throw HeatmapError.tooLarge(rows: rows, columns: columns, panels: across * down)
        }
        self.cell = cell
        self.bin = bin
        // Labels keep their full size (at least 16 px); when cells are smaller, fewer are drawn.
        let labelPitch = label.height + 2
        let hasLabels = !first.rowLabels.isEmpty || !first.columnLabels.isEmpty
        var notes: [String] = []
        if bin > 1 { notes.append("each pixel shows the value of largest magnitude in a \(bin) x \(bin) block of cells") }
        if !hasLabels || n >= 512 || cell < 4 || bin > 1 {
            labelStride = nil
            if hasLabels { notes.append("token labels left out: \(n) tokens") }
        } else {
            let stride = (labelPitch + cell - 1) / cell
            labelStride = stride
            if stride > 1 { notes.append("labels on every \(stride)\(stride == 2 ? "nd" : stride == 3 ? "rd" : "th") token") }
        }
        self.notes = notes

        let columnLabelWidth = widest(first.columnLabels)
        rowBand = labelStride == nil ? 0 : widest(first.rowLabels) + 8
        uprightColumnLabels = columnLabelWidth <= cell - 2
        columnBand = labelStride == nil ? 0 : uprightColumnLabels ? label.height + 8 : columnLabelWidth + 8
        rowTitleBand = figure.rowTitle.isEmpty ? 0 : label.height + 10
        columnTitleBand = figure.columnTitle.isEmpty ? 0 : label.lineHeight + 2
        dividerBand = figure.dividers.contains { $0.axis == .columns && !$0.label.isEmpty } ? label.lineHeight + 4 : 0

        let header = Heatmap.margin + title.height + 6 + Layout.headerLines(figure, notes).count * label.lineHeight + 8
        top = header + columnTitleBand + captionBand + columnBand
        left = Heatmap.margin + rowTitleBand + rowBand
        let panelHeight = Layout.side(rows, cell, bin)
        let gridRight = left + across * Layout.side(columns, cell, bin) + (across - 1) * Layout.gapPx
        let gridHeight = down * panelHeight + (down - 1) * (Layout.gapPx + captionBand + columnBand)
        var barBand = 0, barHeight = 0
        if case .values(let barLabel) = figure.kind {
            let tickWidth = Ticks.nice(Double(figure.scale.low), Double(figure.scale.high)).map { style.width(Ticks.label($0)) }.max() ?? 0
            barBand = 20 + max(16 + 8 + tickWidth, label.width(barLabel)) + 4
            barHeight = Layout.barHeight(gridHeight) + 8 + label.lineHeight
        }
        barX = gridRight + 20
        let seen = Layout.seen(figure)
        self.seen = seen

        // The legend wraps at the width the rest of the picture needs.
        let entries = Layout.legendEntries(figure, seen)
        let entryWidth = { (entry: LegendEntry) in style.height + 8 + style.width(entry.text) + 24 }
        let textWidth = ([titleStyle.width(figure.title), style.width(figure.columnTitle)]
            + Layout.headerLines(figure, notes).map { style.width($0) }).max() ?? 0
        let contentRight = max(gridRight + barBand, Heatmap.margin + textWidth, Heatmap.margin + 400)
        var lines: [[LegendEntry]] = [], lineWidth = 0
        for entry in entries {
            if lines.isEmpty || Heatmap.margin + lineWidth + entryWidth(entry) > contentRight {
                lines.append([])
                lineWidth = 0
            }
            lines[lines.count - 1].append(entry)
            lineWidth += entryWidth(entry)
        }
        legend = lines
        let legendRight = lines.map { Heatmap.margin + $0.map(entryWidth).reduce(0, +) }.max() ?? 0
        let legendHeight = lines.count * (style.height + 10)
        // The row title, turned up, is centred on the grid, but may be longer than a small grid is
        // tall: then it starts under the header (nothing else is drawn left of the row labels).
        let rowTitleLength = style.width(figure.rowTitle)
        rowTitleBottom = max(top + (gridHeight + rowTitleLength) / 2, header + rowTitleLength)
        legendTop = max(top + max(gridHeight, barHeight) + dividerBand, rowTitleBottom) + 12
        width = max(contentRight, legendRight) + Heatmap.margin
        height = legendTop + legendHeight + Heatmap.margin
        guard width <= Heatmap.maximumSide, height <= Heatmap.maximumSide else {
            throw HeatmapError.tooLarge(rows: rows, columns: columns, panels: across * down)
        }
    }

    /// The lines under the title: the subtitle's (split at newlines) and the notes on labels.
    static func headerLines(_ figure: MatrixFigure, _ notes: [String]) -> [String] {
        figure.subtitle.split(separator: "\n").map(String.init) + (notes.isEmpty ? [] : [notes.joined(separator: "; ")])
    }

    /// The rules that block each cell: for a mask, a 0 is blocked by the first rule unless the
    /// matrix names others.
    static func rules(_ m: LabelledMatrix, _ i: Int, _ j: Int, isMask: Bool) -> UInt8 {
        let bits = m.rules(i, j)
        return bits == 0 && isMask && m[i, j] == 0 ? 1 : bits
    }

    static func seen(_ figure: MatrixFigure) -> Seen {
        var seen = Seen()
        let isMask: Bool
        if case .mask = figure.kind { isMask = true } else { isMask = false }
        var present = [Bool](repeating: false, count: 256)     // by bits; a table, since grids can hold millions of cells
        for matrix in figure.panels.joined() {
            if isMask {
                for i in 0..<matrix.rows { for j in 0..<matrix.columns { present[Int(rules(matrix, i, j, isMask: true))] = true } }
            } else if let bits = matrix.blockedBy {
                for b in bits { present[Int(b)] = true }
            }
            seen.notANumber = seen.notANumber || matrix.values.contains { $0.isNaN }
            seen.infinite = seen.infinite || matrix.values.contains { $0.isInfinite }
        }
        seen.rules = Set((1..<256).filter { present[$0] }.map(UInt8.init))
        return seen
    }

    enum Swatch { case value(Float), hatched(Canvas.Hatch), fixed(Palette.Fixed), line }
    struct LegendEntry { let swatch: Swatch, text: String }

    /// The hatch of cells blocked by the rules `bits`: the first rule's lines rise, the second's fall.
    static func hatch(_ bits: UInt8) -> Canvas.Hatch {
        let lines = Canvas.Hatch(rawValue: bits & 3)
        return lines.isEmpty ? .rising : lines
    }

    /// What the legend explains: the cells that are not values, as they occur, and the dividers.
    static func legendEntries(_ figure: MatrixFigure, _ seen: Seen) -> [LegendEntry] {
        var entries: [LegendEntry] = []
        let isMask: Bool
        if case .mask = figure.kind { isMask = true } else { isMask = false }
        if isMask { entries.append(.init(swatch: .value(MaskStyle.allowedValue), text: "may attend")) }
        let named = figure.blockRules.prefix(2)
        if named.count > 1 {
            // One entry per rule, then one for the cells both block, as they occur.
            for (k, name) in named.enumerated() where seen.rules.contains(where: { $0 & (1 << k) != 0 }) {
                entries.append(.init(swatch: .hatched(hatch(1 << k)), text: name))
            }
            if seen.rules.contains(3) { entries.append(.init(swatch: .hatched([.rising, .falling]), text: "blocked by both")) }
        } else if !seen.rules.isEmpty {
            let text = named.first ?? (isMask ? "blocked: may not attend" : "blocked by the mask")
            entries.append(.init(swatch: .hatched(.rising), text: text))
        }
        if seen.notANumber { entries.append(.init(swatch: .fixed(.notANumber), text: "NaN")) }
        if seen.infinite { entries.append(.init(swatch: .fixed(.infinite), text: "+/-inf")) }
        var labels: Set<String> = []
        for divider in figure.dividers {
            let text = divider.legend ?? divider.label
            if !text.isEmpty && labels.insert(text).inserted { entries.append(.init(swatch: .line, text: text)) }
        }
        return entries
    }

    /// The colour bar runs alongside the grid, within sensible bounds.
    static func barHeight(_ gridHeight: Int) -> Int { min(max(gridHeight, 120), 360) }

    static let gapPx = Heatmap.gap

    /// Top-left corner of panel (row p, column q).
    func origin(_ p: Int, _ q: Int) -> (x: Int, y: Int) {
        (left + q * (panelWidth + Layout.gapPx), top + p * (panelHeight + rowPitchExtra))
    }
}
