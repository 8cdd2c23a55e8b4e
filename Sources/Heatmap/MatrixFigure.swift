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
    /// The font of every text in the picture; nil = `Font.standard()`, chosen by the environment.
    public var font: Font?

    public init(title: String, subtitle: String = "", panels: [[LabelledMatrix]], scale: ColorScale = .unit,
                kind: Kind = .values(barLabel: ""), font: Font? = nil) {
        self.title = title; self.subtitle = subtitle; self.panels = panels; self.scale = scale; self.kind = kind
        self.font = font
    }

    public init(title: String, subtitle: String = "", matrix: LabelledMatrix, scale: ColorScale = .unit,
                kind: Kind = .values(barLabel: ""), font: Font? = nil) {
        self.init(title: title, subtitle: subtitle, panels: [[matrix]], scale: scale, kind: kind, font: font)
    }
}

public enum HeatmapError: Error, CustomStringConvertible, Equatable {
    case empty
    case ragged(String)
    case tooLarge(rows: Int, columns: Int, panels: Int)
    /// The font named by the environment cannot be used.
    case font(String)

    public var description: String {
        switch self {
        case .empty: "nothing to draw: the matrix is empty"
        case .ragged(let what): "cannot draw: \(what)"
        case let .tooLarge(rows, columns, panels):
            "a \(rows) × \(columns) matrix\(panels > 1 ? " in \(panels) panels" : "") is too large to draw within \(Heatmap.maximumSide) pixels a side"
        case .font(let what): "cannot draw text: \(what)"
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
    let label: TextStyle, title: TextStyle
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
    var swatch: Int { label.height }     // the legend's colour squares, as tall as its text

    /// Pixels taken by `count` cells drawn `cell` pixels each, `bin` cells to a drawn cell.
    static func side(_ count: Int, _ cell: Int, _ bin: Int) -> Int { (count + bin - 1) / bin * cell }

    /// Whether the panels' cells fit in a picture, leaving room for titles, labels and the colour bar.
    static func fits(_ panel: LabelledMatrix, across: Int, down: Int, cell: Int, bin: Int, captionBand: Int) -> Bool {
        let room = Heatmap.maximumSide - 600
        return across * side(panel.columns, cell, bin) + (across - 1) * gapPx <= room
            && down * (side(panel.rows, cell, bin) + gapPx + captionBand) <= room
    }

    init(_ figure: MatrixFigure) throws {
        let font = try figure.font ?? Font.standard()
        let style = font.label                  // `label` itself cannot be used in closures until init ends
        (label, title) = (style, font.title)
        let first = figure.panels[0][0]
        let (across, down) = (figure.panels[0].count, figure.panels.count)
        (rows, columns, self.across, self.down) = (first.rows, first.columns, across, down)
        let n = max(rows, columns), single = across * down == 1
        let captionBand = single ? 0 : label.lineHeight + 4
        self.captionBand = captionBand
        // Cell size: generous for a few tokens, 10 px up to 256 tokens, then shrinking.
        // Panels of a grid are at least as wide as their captions.
        let target = single ? 720 : max(160, 1500 / across)
        let captionWidth = single ? 0 : figure.panels.joined().map { style.width($0.caption) + 4 }.max() ?? 0
        var cell = single ? (n <= 256 ? min(48, max(10, target / n)) : min(8, max(1, 2048 / n)))
            : min(24, max(1, target / n, (captionWidth + columns - 1) / columns))
        // Shrink the cells, then if even one pixel a cell is too many, draw blocks of cells.
        let fits = { (cell: Int, bin: Int) in
            Layout.fits(first, across: across, down: down, cell: cell, bin: bin, captionBand: captionBand)
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

        let widest = { (labels: [String]) in labels.map { style.width(Layout.shorten($0)) }.max() ?? 0 }
        let columnLabelWidth = widest(first.columnLabels)
        rowBand = labelStride == nil ? 0 : widest(first.rowLabels) + 8
        uprightColumnLabels = columnLabelWidth <= cell - 2
        columnBand = labelStride == nil ? 0 : uprightColumnLabels ? label.height + 8 : columnLabelWidth + 8

        let header = Heatmap.margin + title.height + 6 + Layout.headerLines(figure, notes).count * label.lineHeight + 8
        top = header + columnBand + captionBand
        left = Heatmap.margin + rowBand
        let (panelWidth, panelHeight) = (Layout.side(columns, cell, bin), Layout.side(rows, cell, bin))
        let gridRight = left + across * panelWidth + (across - 1) * Layout.gapPx
        let gridHeight = down * panelHeight + (down - 1) * (Layout.gapPx + captionBand)
        var barBand = 0, barHeight = 0
        if case .values(let barLabel) = figure.kind {
            let tickWidth = Ticks.nice(Double(figure.scale.low), Double(figure.scale.high)).map { style.width(Ticks.label($0)) }.max() ?? 0
            barBand = 20 + max(16 + 8 + tickWidth, label.width(barLabel)) + 4
            barHeight = Layout.barHeight(gridHeight) + 8 + label.lineHeight
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
        let legend = Layout.legendEntries(figure.kind, seen)
        let legendHeight = legend.isEmpty ? 0 : label.height + 16
        let legendWidth = legend.map { style.height + 8 + style.width($0.text) + 24 }.reduce(0, +)
        let textWidth = ([title.width(figure.title), legendWidth]
            + Layout.headerLines(figure, notes).map { style.width($0) }).max() ?? 0
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

    enum Swatch { case value(Float), hatched, fixed(Palette.Fixed) }

    /// What the legend explains: the cells that are not values, as they occur.
    static func legendEntries(_ kind: MatrixFigure.Kind, _ seen: Seen) -> [(swatch: Swatch, text: String)] {
        var entries: [(swatch: Swatch, text: String)] = []
        if case .mask = kind {
            entries.append((.value(MaskStyle.allowedValue), "may attend"))
            entries.append((.hatched, "blocked: may not attend"))
        } else if seen.blocked {
            entries.append((.hatched, "blocked by the mask"))
        }
        if seen.notANumber { entries.append((.fixed(.notANumber), "NaN")) }
        if seen.infinite { entries.append((.fixed(.infinite), "+/-inf")) }
        return entries
    }

    /// The colour bar runs alongside the grid, within sensible bounds.
    static func barHeight(_ gridHeight: Int) -> Int { min(max(gridHeight, 120), 360) }

    static let gapPx = Heatmap.gap

    /// Top-left corner of panel (row p, column q).
    func origin(_ p: Int, _ q: Int) -> (x: Int, y: Int) {
        (left + q * (panelWidth + Layout.gapPx), top + p * (panelHeight + Layout.gapPx + captionBand))
    }
}
