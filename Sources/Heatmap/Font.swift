import Foundation

/// One character's picture: `rows` from the top, bit (width − 1 − column) set where there is ink.
public struct Glyph: Sendable, Equatable {
    public let width: Int
    /// How far the next character starts to the right.
    public let advance: Int
    public let rows: [UInt16]

    public func isInk(row: Int, column: Int) -> Bool { rows[row] >> (width - 1 - column) & 1 != 0 }
}

/// The font every picture's text is drawn in: GNU Unifont (read from its `.hex` file) when it is
/// installed, so that Chinese, accented letters and marks such as ␣ and ↵ appear as themselves;
/// otherwise attnlab's built-in 5 × 7 ASCII font, where every other character is a box.
///
/// Sizes are whole-pixel scales of the font's own pixels. Labels are at least 16 px high at the
/// default size either way: Unifont at scale 1 is 16 px; the built-in font, 9 px at scale 1, is
/// drawn at scale 2 (18 px). Titles are twice Unifont's size (32 px), or the built-in font at
/// scale 3 (27 px).
public struct Font: Sendable {
    enum Source: Sendable {
        case builtin
        case unifont(UnifontFile)
    }

    let source: Source
    /// Height of the glyph box and of the part above the baseline, in the font's own pixels.
    let cellHeight: Int, ascent: Int
    let labelScale: Int, titleScale: Int

    /// attnlab's 5 × 7 ASCII font: everything else is a box.
    public static let builtin = Font(source: .builtin, cellHeight: BitmapFont.glyphHeight, ascent: BitmapFont.ascent,
                                     labelScale: 2, titleScale: 3)

    /// GNU Unifont from the `.hex` file at `path`, mapped into memory and read a glyph at a time.
    public static func unifont(path: String = defaultUnifontPath) throws -> Font {
        Font(source: .unifont(try UnifontFile(path: path)), cellHeight: 16, ascent: 14, labelScale: 1, titleScale: 2)
    }

    /// Where Debian's `unifont` package puts the file.
    public static let defaultUnifontPath = "/usr/share/unifont/unifont.hex"

    /// "GNU Unifont (/usr/share/unifont/unifont.hex)" or "built-in 5x7".
    public var name: String {
        switch source {
        case .builtin: "built-in 5x7"
        case .unifont(let file): "GNU Unifont (\(file.path))"
        }
    }

    public var isUnifont: Bool {
        if case .unifont = source { true } else { false }
    }

    /// Text sizes: token labels, captions, axis and tick labels, notes; and titles.
    public var label: TextStyle { TextStyle(font: self, scale: labelScale) }
    public var title: TextStyle { TextStyle(font: self, scale: titleScale) }

    /// The font chosen by the environment:
    /// - `ATTNLAB_FONT=builtin`: the built-in font;
    /// - `ATTNLAB_FONT=unifont`: Unifont, and an error if it cannot be read;
    /// - unset (or `auto`): Unifont if its file is there, else the built-in font;
    /// - `ATTNLAB_UNIFONT=/path/unifont.hex` reads Unifont from there instead (an error if it cannot).
    public static func choose(environment: [String: String]) throws -> Font {
        let path = environment["ATTNLAB_UNIFONT"].flatMap { $0.isEmpty ? nil : $0 }
        switch environment["ATTNLAB_FONT"] ?? "" {
        case "builtin": return .builtin
        case "unifont":
            do { return try unifont(path: path ?? defaultUnifontPath) } catch HeatmapError.font(let what) {
                throw HeatmapError.font("ATTNLAB_FONT=unifont: \(what) (install the unifont package, or set ATTNLAB_UNIFONT)")
            }
        case "", "auto":
            guard let path else { return (try? unifont()) ?? .builtin }
            do { return try unifont(path: path) } catch HeatmapError.font(let what) {
                throw HeatmapError.font("ATTNLAB_UNIFONT: \(what)")
            }
        case let other:
            throw HeatmapError.font("ATTNLAB_FONT=\(other) is not a font: use builtin, unifont or auto")
        }
    }

    /// The font pictures use unless told otherwise: chosen from the environment once per process
    /// (a Swift `static let` is initialised once, safely across threads).
    public static func standard() throws -> Font { try standardChoice.get() }

    private static let standardChoice: Result<Font, HeatmapError> = {
        do { return .success(try choose(environment: ProcessInfo.processInfo.environment)) } catch let error as HeatmapError {
            return .failure(error)
        } catch {
            return .failure(.font("\(error)"))
        }
    }()

    /// The glyph the font has for `scalar`, or nil.
    func glyph(_ scalar: Unicode.Scalar) -> Glyph? {
        switch source {
        case .builtin: BitmapFont.glyph(scalar)
        case .unifont(let file): file.glyph(scalar)
        }
    }

    /// The hollow box drawn for a character the font lacks: twice as wide for characters that take
    /// two columns (emoji, the rarer CJK ideographs beyond the file's plane), in Unifont.
    func box(for scalar: Unicode.Scalar) -> Glyph {
        guard case .unifont = source else { return BitmapFont.box }
        let wide = scalar.properties.isEmojiPresentation || (0x20000...0x3FFFF).contains(scalar.value)
        let width = wide ? 16 : 8
        let edge = UInt16(1) << (width - 2) | 2                 // the box's left and right columns
        let across = UInt16((1 << (width - 2)) - 1) << 1        // its top and bottom rows
        let rows = (0..<16).map { row in row == 2 || row == 13 ? across : (3...12).contains(row) ? edge : 0 }
        return Glyph(width: width, advance: width, rows: rows)
    }

    /// Lays `text` out left to right, one glyph per Unicode scalar, in the font's own pixels.
    /// A cluster such as a flag or a family emoji becomes its code points side by side. Combining
    /// marks are drawn over the character before them; invisible format characters (zero-width
    /// joiners, variation selectors) take no room, unless they are all there is. A character the
    /// font cannot draw is a box, so no label is ever silently empty.
    public func shape(_ text: String) -> ShapedText {
        let scalars = Array(text.unicodeScalars)
        let onlyInvisible = scalars.allSatisfy(\.properties.isDefaultIgnorableCodePoint)
        var placed: [ShapedText.Placed] = []
        var x = 0
        var base: (x: Int, width: Int)?                         // the last glyph a mark could sit on
        for scalar in scalars {
            if scalar.properties.isDefaultIgnorableCodePoint && !onlyInvisible { continue }
            let category = scalar.properties.generalCategory
            if let glyph = glyph(scalar) {
                if category == .nonspacingMark || category == .enclosingMark, let base {
                    // Centred over its base; a mark wider than the base stays within the text's start.
                    placed.append(.init(x: max(0, base.x + (base.width - glyph.width) / 2), glyph: glyph))
                    continue
                }
                placed.append(.init(x: x, glyph: glyph))
                base = (x, glyph.advance)
                x += glyph.advance
            } else {
                let box = box(for: scalar)
                placed.append(.init(x: x, glyph: box))
                base = (x, box.advance)
                x += box.advance
            }
        }
        return ShapedText(glyphs: placed, width: x)
    }
}

/// Text laid out by a font: where each glyph goes, in the font's own pixels (scale 1).
public struct ShapedText: Sendable {
    public struct Placed: Sendable {
        public let x: Int
        public let glyph: Glyph
    }
    public let glyphs: [Placed]
    public let width: Int
}

/// A font at one size: what layouts measure with and the canvas draws with.
public struct TextStyle: Sendable {
    public let font: Font
    public let scale: Int

    /// The glyph box, in pixels: 16 for Unifont labels, 18 for the built-in font's.
    public var height: Int { font.cellHeight * scale }
    /// Pixels from the top of the box to the baseline.
    public var ascent: Int { font.ascent * scale }
    /// From one line of text to the next.
    public var lineHeight: Int { (font.cellHeight + 2) * scale }

    public func width(_ text: String) -> Int { font.shape(text).width * scale }
}
