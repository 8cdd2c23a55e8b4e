/// A picture being drawn: one palette index per pixel, row by row from the top-left.
public struct Canvas: Sendable {
    public let width: Int
    public let height: Int
    public let palette: Palette
    public private(set) var pixels: [UInt8]

    public init(width: Int, height: Int, palette: Palette) {
        self.width = width
        self.height = height
        self.palette = palette
        pixels = [UInt8](repeating: palette.index(.background), count: width * height)
    }

    public subscript(x: Int, y: Int) -> UInt8 { pixels[y * width + x] }

    /// The colour of pixel (x, y).
    public func color(x: Int, y: Int) -> RGB { palette.colors[Int(self[x, y])] }

    /// Fills the rectangle [x, x+w) × [y, y+h), clipped to the canvas.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ color: UInt8) {
        let x0 = max(x, 0), x1 = min(x + w, width), y0 = max(y, 0), y1 = min(y + h, height)
        guard x0 < x1, y0 < y1 else { return }
        pixels.withUnsafeMutableBufferPointer { p in
            for row in y0..<y1 { p.baseAddress!.advanced(by: row * width + x0).update(repeating: color, count: x1 - x0) }
        }
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ fixed: Palette.Fixed) {
        fill(x: x, y: y, width: w, height: h, palette.index(fixed))
    }

    /// The lines of a hatch: rising (/), falling (\), or both (a cross-hatch). Two rules that block
    /// cells (causal and padding, say) get one direction each, so a class can tell them apart, and a
    /// cell both block shows both.
    public struct Hatch: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let rising = Hatch(rawValue: 1)
        public static let falling = Hatch(rawValue: 2)
    }

    /// A masked cell: neutral grey with diagonal lines every `spacing` pixels, unlike any value.
    /// The lines follow the canvas, not the cell, so neighbouring masked cells join into one texture.
    public mutating func hatch(x: Int, y: Int, width w: Int, height h: Int, spacing: Int, _ lines: Hatch = .rising) {
        fill(x: x, y: y, width: w, height: h, .masked)
        guard spacing >= 3 else { return }
        let ink = palette.index(.hatch)
        for row in max(y, 0)..<min(y + h, height) {
            for column in max(x, 0)..<min(x + w, width) {
                let rising = lines.contains(.rising) && (column + row) % spacing == 0
                let falling = lines.contains(.falling) && (column - row + spacing * height) % spacing == 0
                if rising || falling { pixels[row * width + column] = ink }
            }
        }
    }

    /// Copies `other`'s pixels here with its top-left corner at (x, y); the two must share a palette.
    public mutating func paste(_ other: Canvas, x: Int, y: Int) {
        precondition(other.palette.colors == palette.colors, "pasting a picture drawn with another palette")
        for row in 0..<other.height where y + row >= 0 && y + row < height {
            for column in 0..<other.width where x + column >= 0 && x + column < width {
                pixels[(y + row) * width + x + column] = other.pixels[row * other.width + column]
            }
        }
    }

    /// A one-pixel-wide outline around the rectangle.
    public mutating func frame(x: Int, y: Int, width w: Int, height h: Int, _ fixed: Palette.Fixed) {
        fill(x: x, y: y, width: w, height: 1, fixed)
        fill(x: x, y: y + h - 1, width: w, height: 1, fixed)
        fill(x: x, y: y, width: 1, height: h, fixed)
        fill(x: x + w - 1, y: y, width: 1, height: h, fixed)
    }

    /// A straight line of the given thickness from (x0, y0) to (x1, y1).
    public mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, thickness: Int, _ color: UInt8) {
        let steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        let half = thickness / 2
        for s in 0...steps {
            let x = x0 + (x1 - x0) * s / steps, y = y0 + (y1 - y0) * s / steps
            fill(x: x - half, y: y - half, width: thickness, height: thickness, color)
        }
    }

    public enum Direction: Sendable {
        case horizontal
        /// Rotated a quarter turn anticlockwise, read from bottom to top (column labels).
        case up
    }

    /// Draws `text` in `style` with the top-left corner of its glyph boxes at (x, y) — for `.up`,
    /// the bottom-left corner, the text rising from there.
    public mutating func text(_ text: String, x: Int, y: Int, style: TextStyle, _ fixed: Palette.Fixed = .ink,
                              direction: Direction = .horizontal) {
        draw(style.font.shape(text), x: x, y: y, scale: style.scale, palette.index(fixed), direction: direction)
    }

    /// Draws text already laid out, each of the font's pixels a scale × scale square.
    public mutating func draw(_ shaped: ShapedText, x: Int, y: Int, scale: Int, _ ink: UInt8, direction: Direction = .horizontal) {
        for placed in shaped.glyphs {
            let glyph = placed.glyph
            for (row, bits) in glyph.rows.enumerated() where bits != 0 {
                for column in 0..<glyph.width where glyph.isInk(row: row, column: column) {
                    let along = placed.x + column      // position along the text
                    switch direction {
                    case .horizontal:
                        fill(x: x + along * scale, y: y + row * scale, width: scale, height: scale, ink)
                    case .up:
                        fill(x: x + row * scale, y: y - (along + 1) * scale, width: scale, height: scale, ink)
                    }
                }
            }
        }
    }
}
