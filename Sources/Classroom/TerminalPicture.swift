import Foundation

/// A labelled matrix as a terminal can show it, so a class without an image viewer still sees the
/// pattern a command drew. Plain data: the command line builds it from what it drew (the colours
/// are the PNG's own), and Classroom only lays it out, knowing nothing of models.
public struct TerminalPicture: Sendable, Equatable {
    public struct Color: Sendable, Equatable {
        public var r, g, b: UInt8
        public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    }

    public enum Cell: Sendable, Equatable {
        /// A value: its colour, and its place on the scale from 0 (low end) to 1 (high end),
        /// which picks the ASCII shade when there is no colour.
        case value(Color, shade: Float)
        /// Not allowed to look: drawn hatched, unlike any value.
        case blocked
        /// NaN or infinite.
        case missing
    }

    public var title: String
    public var rows: Int
    public var columns: Int
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// Row-major, rows × columns.
    public var cells: [Cell]
    /// What the two ends of the scale stand for ("0", "1"), and a few colours from low to high
    /// for the legend; nil for a mask, whose cells are either allowed or blocked.
    public var scale: (low: String, high: String, colors: [Color])?
    /// One more line under the picture, such as where the other heads are.
    public var note: String

    public init(title: String, rows: Int, columns: Int, rowLabels: [String], columnLabels: [String], cells: [Cell],
                scale: (low: String, high: String, colors: [Color])?, note: String = "") {
        self.title = title; self.rows = rows; self.columns = columns
        self.rowLabels = rowLabels; self.columnLabels = columnLabels; self.cells = cells
        self.scale = scale; self.note = note
    }

    public static func == (a: TerminalPicture, b: TerminalPicture) -> Bool {
        a.title == b.title && a.rows == b.rows && a.columns == b.columns && a.rowLabels == b.rowLabels
            && a.columnLabels == b.columnLabels && a.cells == b.cells && a.note == b.note
            && a.scale?.low == b.scale?.low && a.scale?.high == b.scale?.high && a.scale?.colors == b.scale?.colors
    }

    public func cell(_ i: Int, _ j: Int) -> Cell {
        let k = i * columns + j
        return k >= 0 && k < cells.count ? cells[k] : .missing
    }

    /// Dark to bright, for terminals without colour; `/` is the hatch of a blocked cell.
    static let shades: [Character] = [" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"]
    static let hatch: Character = "/"
    static let hatchLight = Color(0xB4, 0xB4, 0xB4), hatchDark = Color(0x70, 0x70, 0x70)

    /// The picture as lines at most `width` columns wide: a title, column labels written
    /// downwards (one character per line, so every label shows whole), one line per row with its
    /// label, then the legend. In colour each cell is half-blocks (▀, the upper half in the
    /// foreground colour, the lower half in the background colour), a blocked cell hatched in two
    /// greys; without colour, ASCII shades. `pairRows` puts two rows in each line (one per half),
    /// for tall pictures on a short screen; it needs colour.
    public func lines(width: Int, color: Bool, pairRows: Bool = false) -> [String] {
        let title = DisplayWidth.wrap(self.title, width: width)
        guard rows > 0, columns > 0 else { return title + ["(empty)"] }
        let pair = pairRows && color && rows > 1
        let labelWidth = min(max(rowLabels.map { DisplayWidth.of($0) }.max() ?? 0, 1) + (pair ? 3 : 0), 14, max(width / 4, 3))
        let room = width - labelWidth - 1
        // Two columns a cell where it fits (square-ish, and room for a wide character in a label), else one.
        let cellWidth = room >= 2 * columns ? 2 : 1
        let shown = max(1, min(columns, room / cellWidth))
        var out = title
        out += columnLabelLines(shown: shown, cellWidth: cellWidth, indent: labelWidth + 1)
        let lineCount = pair ? (rows + 1) / 2 : rows
        for line in 0..<lineCount {
            let top = pair ? 2 * line : line
            let bottom = pair ? min(2 * line + 1, rows - 1) : line
            var label = rowLabel(top)
            if pair { label += top == bottom ? "" : " / " + rowLabel(bottom) }
            var text = DisplayWidth.pad(DisplayWidth.truncate(label, to: labelWidth), to: labelWidth) + " "
            for j in 0..<shown {
                text += color ? colorCell(top, bottom, j, cellWidth: cellWidth, line: line) : asciiCell(top, j, cellWidth: cellWidth)
            }
            out.append(text)
        }
        if shown < columns {
            out += DisplayWidth.wrap("(the first \(shown) of \(columns) columns fit this width; the picture file has them all)", width: width)
        }
        // The colour bar is a few short swatches, never wrapped (its escapes are not text).
        if color, let scale { out.append("scale: \(scale.low) " + scale.colors.map { "\u{1B}[48;2;\($0.r);\($0.g);\($0.b)m  " }.joined() + "\u{1B}[0m \(scale.high)") }
        out += legend(color: color, pairs: pair).flatMap { DisplayWidth.wrap($0, width: width) }
        if !note.isEmpty { out += DisplayWidth.wrap(note, width: width) }
        return out
    }

    private func rowLabel(_ i: Int) -> String { i < rowLabels.count ? rowLabels[i] : String(i) }

    /// Column labels top to bottom, one character a line, centred in their cells; at most six lines.
    private func columnLabelLines(shown: Int, cellWidth: Int, indent: Int) -> [String] {
        let labels = (0..<shown).map { j in Array(j < columnLabels.count ? columnLabels[j] : String(j)) }
        let height = min(labels.map(\.count).max() ?? 0, 6)
        return (0..<height).map { k in
            var line = String(repeating: " ", count: indent)
            for label in labels {
                var c: Character = k < label.count ? label[k] : " "
                if k == height - 1 && label.count > height { c = "…" }
                // A wide character in a one-column cell would push every later label along.
                if DisplayWidth.of(c) > cellWidth || DisplayWidth.of(c) == 0 { c = "·" }
                line += DisplayWidth.pad(String(c), to: cellWidth)
            }
            while line.last == " " { line.removeLast() }
            return line
        }
    }

    private func asciiCell(_ i: Int, _ j: Int, cellWidth: Int) -> String {
        let c: Character
        switch cell(i, j) {
        case .blocked: c = Self.hatch
        case .missing: c = "?"
        case .value(_, let shade):
            let s = shade.isFinite ? min(max(shade, 0), 1) : 0
            c = Self.shades[min(Int(s * Float(Self.shades.count - 1) + 0.5), Self.shades.count - 1)]
        }
        return String(repeating: c, count: cellWidth)
    }

    /// Each character is ▀: its upper half the foreground colour, its lower half the background.
    private func colorCell(_ top: Int, _ bottom: Int, _ j: Int, cellWidth: Int, line: Int) -> String {
        var out = ""
        for k in 0..<cellWidth {
            // A blocked cell alternates two greys from half to half, diagonally: a hatch.
            let x = j * cellWidth + k
            func color(_ i: Int, half: Int) -> Color {
                switch cell(i, j) {
                case .value(let c, _): return c
                case .missing: return Color(0xFF, 0x00, 0xFF)
                case .blocked: return (x + 2 * line + half) % 2 == 0 ? Self.hatchLight : Self.hatchDark
                }
            }
            let (upper, lower) = (color(top, half: 0), color(bottom, half: 1))
            out += "\u{1B}[38;2;\(upper.r);\(upper.g);\(upper.b)m\u{1B}[48;2;\(lower.r);\(lower.g);\(lower.b)m▀"
        }
        return out + "\u{1B}[0m"
    }

    /// Said plainly, since a class reads the picture from the back row.
    private func legend(color: Bool, pairs: Bool) -> [String] {
        var lines = ["rows are queries (who attends), columns are keys (who is attended to)"
                     + (pairs ? "; each line holds two rows, upper and lower half" : "")]
        let blocked = color ? "hatched grey" : "\(Self.hatch)"
        if let scale {
            lines.append((color ? "" : "scale: \(scale.low) '\(String(Self.shades))' \(scale.high); ")
                         + "\(blocked) = blocked (not allowed to look); \(color ? "magenta" : "?") = not a number")
        } else {
            lines.append("\(color ? "coloured" : "\(Self.shades.last ?? "@")") = may attend; \(blocked) = blocked (not allowed to look)")
        }
        return lines
    }
}
