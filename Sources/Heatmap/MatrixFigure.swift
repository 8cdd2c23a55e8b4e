/// A matrix to draw, with names for its rows and columns. Heatmap knows nothing of transformers:
/// an attention pattern is one of these with queries down and keys across.
public struct LabelledMatrix: Sendable {
    public var rows: Int
    public var columns: Int
    public var values: [Float]                 // row-major, rows × columns
    public var rowLabels: [String]             // one per row, or empty
    public var columnLabels: [String]          // one per column, or empty
    /// Cells drawn as "blocked" (grey, hatched) whatever their value; nil = none.
    public var blocked: [Bool]?
    /// The panel's own caption in a grid, e.g. "head 3".
    public var caption: String

    public init(rows: Int, columns: Int, values: [Float], rowLabels: [String] = [], columnLabels: [String] = [],
                blocked: [Bool]? = nil, caption: String = "") {
        self.rows = rows; self.columns = columns; self.values = values
        self.rowLabels = rowLabels; self.columnLabels = columnLabels
        self.blocked = blocked; self.caption = caption
    }

    public subscript(i: Int, j: Int) -> Float { values[i * columns + j] }
    public func isBlocked(_ i: Int, _ j: Int) -> Bool { blocked?[i * columns + j] ?? false }
}

/// One picture of one or more matrices: a title, a grid of panels sharing one colour scale, a
/// colour bar, and a legend for the cells that are not values (blocked, NaN, infinite).
public struct MatrixFigure: Sendable {
    public enum Kind: Sendable {
        /// Values on the colour scale, with a colour bar.
        case values(barLabel: String)
        /// A 0/1 mask: 1 = "may attend" in one colour, 0 = blocked; no colour bar.
        case mask
    }

    public var title: String
    public var subtitle: String
    public var panels: [[LabelledMatrix]]      // rows of panels, each row the same length
    public var scale: ColorScale
    public var kind: Kind

    public init(title: String, subtitle: String = "", panels: [[LabelledMatrix]], scale: ColorScale = .unit,
                kind: Kind = .values(barLabel: "")) {
        self.title = title; self.subtitle = subtitle; self.panels = panels; self.scale = scale; self.kind = kind
    }

    public init(title: String, subtitle: String = "", matrix: LabelledMatrix, scale: ColorScale = .unit,
                kind: Kind = .values(barLabel: "")) {
        self.init(title: title, subtitle: subtitle, panels: [[matrix]], scale: scale, kind: kind)
    }
}

public enum HeatmapError: Error, CustomStringConvertible, Equatable {
    case empty
    case ragged(String)
    case tooLarge(rows: Int, columns: Int, panels: Int)

    public var description: String {
        switch self {
        case .empty: "nothing to draw: the matrix is empty"
        case .ragged(let what): "cannot draw: \(what)"
        case let .tooLarge(rows, columns, panels):
            "a \(rows) × \(columns) matrix\(panels > 1 ? " in \(panels) panels" : "") is too large to draw within \(Heatmap.maximumSide) pixels a side"
        }
    }
}

/// Draws matrix figures. Sizes adapt to the matrix: big cells and large labels for a handful of
/// tokens; for long inputs the cells shrink, labels thin out and, from 512 tokens, are left out
/// (the subtitle says so); no picture exceeds `maximumSide` pixels a side.
public enum Heatmap {
    public static let maximumSide = 8192
    /// Rows or columns beyond which a matrix is refused rather than drawn in ever coarser blocks.
    public static let largestMatrix = 65_536
    static let margin = 14, gap = 12, longestLabel = 14

    public static func render(_ figure: MatrixFigure) throws -> Canvas {
        let panels = figure.panels
        guard let first = panels.first?.first, first.rows > 0, first.columns > 0 else { throw HeatmapError.empty }
        for matrix in panels.joined() {
            guard matrix.rows == first.rows, matrix.columns == first.columns, matrix.values.count == matrix.rows * matrix.columns else {
                throw HeatmapError.ragged("every panel must be \(first.rows) × \(first.columns) with one value per cell")
            }
            guard matrix.blocked.map({ $0.count == matrix.values.count }) ?? true else {
                throw HeatmapError.ragged("the blocked cells do not match the matrix")
            }
        }
        guard panels.allSatisfy({ $0.count == panels[0].count }) else { throw HeatmapError.ragged("every row of panels must be as long") }
        let layout = try Layout(figure)
        var canvas = Canvas(width: layout.width, height: layout.height, palette: Palette(scale: figure.scale))
        layout.draw(figure, on: &canvas)
        return canvas
    }
}

/// Where everything goes, worked out before anything is drawn.
struct Layout {
    let rows: Int, columns: Int, across: Int, down: Int
    let cell: Int                    // cell side in pixels
    /// Matrix cells per drawn cell along each axis: 1, unless even one pixel a cell is too many
    /// (long inputs in a grid of panels); then each pixel shows a bin × bin block.
    let bin: Int
    let labelScale: Int, titleScale: Int
    let labelStride: Int?            // every how many tokens a label is drawn; nil = none
    let uprightColumnLabels: Bool    // short column labels that fit their cell stay horizontal
    let rowBand: Int, columnBand: Int, captionBand: Int
    let top: Int, left: Int          // the first panel's cells start here
    let barX: Int
    let width: Int, height: Int
    let notes: [String]
    let seen: Seen                   // which non-value cells occur, for the legend

    /// Which kinds of non-value cells occur in the figure.
    struct Seen { var blocked = false, notANumber = false, infinite = false }

    var panelWidth: Int { Layout.side(columns, cell, bin) }
    var panelHeight: Int { Layout.side(rows, cell, bin) }

    /// Pixels taken by `count` cells drawn `cell` pixels each, `bin` cells to a drawn cell.
    static func side(_ count: Int, _ cell: Int, _ bin: Int) -> Int { (count + bin - 1) / bin * cell }

    /// Whether the panels' cells fit in a picture, leaving room for titles, labels and the colour bar.
    static func fits(_ panel: LabelledMatrix, across: Int, down: Int, cell: Int, bin: Int) -> Bool {
        let room = Heatmap.maximumSide - 600
        return across * side(panel.columns, cell, bin) + (across - 1) * gapPx <= room
            && down * (side(panel.rows, cell, bin) + gapPx + 16) <= room
    }

    init(_ figure: MatrixFigure) throws {
        let first = figure.panels[0][0]
        (rows, columns, across, down) = (first.rows, first.columns, figure.panels[0].count, figure.panels.count)
        let n = max(rows, columns), single = across * down == 1
        // Cell size: generous for a few tokens, 10 px (room for a label) up to 256 tokens, then shrinking.
        // Panels of a grid are at least as wide as their captions.
        let target = single ? 720 : max(160, 1500 / across)
        let captionWidth = figure.panels.joined().map { BitmapFont.width($0.caption, scale: 1) + 4 }.max() ?? 0
        var cell = single ? (n <= 256 ? min(48, max(10, target / n)) : min(8, max(1, 2048 / n)))
            : min(24, max(1, target / n, (captionWidth + columns - 1) / columns))
        // Shrink the cells, then if even one pixel a cell is too many, draw blocks of cells.
        while cell > 1 && !Layout.fits(first, across: across, down: down, cell: cell, bin: 1) { cell -= 1 }
        var bin = 1
        while !Layout.fits(first, across: across, down: down, cell: cell, bin: bin) && bin < n { bin += 1 }
        guard n <= Heatmap.largestMatrix, Layout.fits(first, across: across, down: down, cell: cell, bin: bin) else {
            throw HeatmapError.tooLarge(rows: rows, columns: columns, panels: across * down)
        }
        self.cell = cell
        self.bin = bin
        labelScale = cell >= 24 ? 2 : 1
        titleScale = 2
        let labelPitch = BitmapFont.lineHeight * labelScale - 1
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

        let labelLength = { (labels: [String]) in labels.map { min($0.count, Heatmap.longestLabel) }.max() ?? 0 }
        let charPx = BitmapFont.advance * labelScale
        rowBand = labelStride == nil ? 0 : labelLength(first.rowLabels) * charPx + 8
        uprightColumnLabels = labelLength(first.columnLabels) * charPx <= cell - 2
        columnBand = labelStride == nil ? 0
            : uprightColumnLabels ? BitmapFont.lineHeight * labelScale + 4 : labelLength(first.columnLabels) * charPx + 8
        captionBand = single ? 0 : BitmapFont.lineHeight + 4

        let header = Heatmap.margin + BitmapFont.lineHeight * titleScale + 4
            + Layout.headerLines(figure, notes).count * BitmapFont.lineHeight + 8
        top = header + columnBand + captionBand
        left = Heatmap.margin + rowBand
        let (panelWidth, panelHeight) = (Layout.side(columns, cell, bin), Layout.side(rows, cell, bin))
        let gridRight = left + across * panelWidth + (across - 1) * Layout.gapPx
        let gridHeight = down * panelHeight + (down - 1) * (Layout.gapPx + captionBand)
        var barBand = 0, barHeight = 0
        if case .values = figure.kind {
            barBand = 20 + 16 + 10 + 7 * BitmapFont.advance
            barHeight = Layout.barHeight(gridHeight) + BitmapFont.lineHeight + 10
        }
        barX = gridRight + 20
        var seen = Seen()
        for matrix in figure.panels.joined() {
            seen.blocked = seen.blocked || (matrix.blocked?.contains(true) ?? false)
            seen.notANumber = seen.notANumber || matrix.values.contains { $0.isNaN }
            seen.infinite = seen.infinite || matrix.values.contains { $0.isInfinite }
        }
        if case .mask = figure.kind { seen.blocked = true }
        self.seen = seen
        let hasLegend = seen.blocked || seen.notANumber || seen.infinite
        let legendHeight = hasLegend ? BitmapFont.lineHeight + 16 : 0
        let textWidth = ([BitmapFont.width(figure.title, scale: titleScale)]
            + Layout.headerLines(figure, notes).map { BitmapFont.width($0, scale: 1) }).max() ?? 0
        width = max(gridRight + barBand, Heatmap.margin + textWidth, Heatmap.margin + 400) + Heatmap.margin
        height = top + max(gridHeight, barHeight) + 12 + legendHeight + Heatmap.margin
        guard width <= Heatmap.maximumSide, height <= Heatmap.maximumSide else {
            throw HeatmapError.tooLarge(rows: rows, columns: columns, panels: across * down)
        }
    }

    /// The lines under the title: the subtitle's (split at newlines) and the notes on labels.
    static func headerLines(_ figure: MatrixFigure, _ notes: [String]) -> [String] {
        figure.subtitle.split(separator: "\n").map(String.init) + (notes.isEmpty ? [] : [notes.joined(separator: "; ")])
    }

    /// The colour bar runs alongside the grid, within sensible bounds.
    static func barHeight(_ gridHeight: Int) -> Int { min(max(gridHeight, 120), 360) }

    static let gapPx = Heatmap.gap

    /// Top-left corner of panel (row p, column q).
    func origin(_ p: Int, _ q: Int) -> (x: Int, y: Int) {
        (left + q * (panelWidth + Layout.gapPx), top + p * (panelHeight + Layout.gapPx + captionBand))
    }
}
