/// A matrix to draw, with names for its rows and columns. Heatmap knows nothing of transformers:
/// an attention pattern is one of these with queries down and keys across.
public struct LabelledMatrix: Sendable {
    public var rows: Int
    public var columns: Int
    public var values: [Float]                 // row-major, rows × columns
    public var rowLabels: [String]             // one per row, or empty
    public var columnLabels: [String]          // one per column, or empty
    /// Which rules block each cell (drawn grey and hatched whatever its value): one bit per rule
    /// of the figure's `blockRules`, bit 0 the first; 0 = not blocked; nil = no cell is blocked.
    public var blockedBy: [UInt8]?
    /// The panel's own caption in a grid, e.g. "head 3".
    public var caption: String

    /// Cells blocked by the figure's one (first) rule; nil = none.
    public var blocked: [Bool]? {
        get { blockedBy.map { $0.map { $0 != 0 } } }
        set { blockedBy = newValue.map { $0.map { $0 ? 1 : 0 } } }
    }

    public init(rows: Int, columns: Int, values: [Float], rowLabels: [String] = [], columnLabels: [String] = [],
                blocked: [Bool]? = nil, blockedBy: [UInt8]? = nil, caption: String = "") {
        self.rows = rows; self.columns = columns; self.values = values
        self.rowLabels = rowLabels; self.columnLabels = columnLabels
        self.blockedBy = blockedBy ?? blocked.map { $0.map { $0 ? 1 : 0 } }; self.caption = caption
    }

    public subscript(i: Int, j: Int) -> Float { values[i * columns + j] }
    public func isBlocked(_ i: Int, _ j: Int) -> Bool { rules(i, j) != 0 }
    /// The bits of the rules that block cell (i, j).
    func rules(_ i: Int, _ j: Int) -> UInt8 { blockedBy?[i * columns + j] ?? 0 }
}

/// A line across every panel between two rows or two columns, such as where a prompt ends.
public struct Divider: Sendable {
    public enum Axis: Sendable { case rows, columns }
    public var axis: Axis
    /// The line runs between row (or column) `index - 1` and `index`.
    public var index: Int
    /// Written beside a line between columns, under the panels, when it fits: a few words.
    public var label: String
    /// What the legend says of the line (once for all lines that say the same); nil = `label`.
    public var legend: String?

    public init(_ axis: Axis, before index: Int, label: String, legend: String? = nil) {
        self.axis = axis; self.index = index; self.label = label; self.legend = legend
    }
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
    /// What the rows are, written down the left side, and what the columns are, across the top
    /// (e.g. "query (the token that attends)"); empty = not written.
    public var rowTitle: String
    public var columnTitle: String
    /// The legend's name of each rule that blocks cells, in the order of `blockedBy`'s bits: the
    /// first is hatched rising (/), the second falling (\). Empty = one rule, named generically.
    public var blockRules: [String]
    public var dividers: [Divider]
    /// The font of every text in the picture; nil = `Font.standard()`, chosen by the environment.
    public var font: Font?

    public init(title: String, subtitle: String = "", panels: [[LabelledMatrix]], scale: ColorScale = .unit,
                kind: Kind = .values(barLabel: ""), rowTitle: String = "", columnTitle: String = "",
                blockRules: [String] = [], dividers: [Divider] = [], font: Font? = nil) {
        self.title = title; self.subtitle = subtitle; self.panels = panels; self.scale = scale; self.kind = kind
        self.rowTitle = rowTitle; self.columnTitle = columnTitle; self.blockRules = blockRules; self.dividers = dividers
        self.font = font
    }

    public init(title: String, subtitle: String = "", matrix: LabelledMatrix, scale: ColorScale = .unit,
                kind: Kind = .values(barLabel: ""), rowTitle: String = "", columnTitle: String = "",
                blockRules: [String] = [], dividers: [Divider] = [], font: Font? = nil) {
        self.init(title: title, subtitle: subtitle, panels: [[matrix]], scale: scale, kind: kind, rowTitle: rowTitle,
                  columnTitle: columnTitle, blockRules: blockRules, dividers: dividers, font: font)
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
            guard matrix.blockedBy.map({ $0.count == matrix.values.count }) ?? true else {
                throw HeatmapError.ragged("the blocked cells do not match the matrix")
            }
        }
        for divider in figure.dividers {
            let count = divider.axis == .rows ? first.rows : first.columns
            guard divider.index > 0, divider.index < count else {
                throw HeatmapError.ragged("a divider before \(divider.axis == .rows ? "row" : "column") \(divider.index) is not between two of the \(count)")
            }
        }
        guard panels.allSatisfy({ $0.count == panels[0].count }) else { throw HeatmapError.ragged("every row of panels must be as long") }
        let layout = try Layout(figure)
        var canvas = Canvas(width: layout.width, height: layout.height, palette: Palette(scale: figure.scale))
        layout.draw(figure, on: &canvas)
        return canvas
    }
}

