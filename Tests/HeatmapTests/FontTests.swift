import Foundation
import Testing
@testable import Heatmap

/// The Unifont file these tests compare against: ATTNLAB_UNIFONT if set, else Debian's.
let unifontPath = ProcessInfo.processInfo.environment["ATTNLAB_UNIFONT"].flatMap { $0.isEmpty ? nil : $0 }
    ?? Font.defaultUnifontPath
let unifontInstalled = FileManager.default.isReadableFile(atPath: unifontPath)
let withoutUnifont: Comment = "GNU Unifont is not installed at \(unifontPath) (apt-get install unifont): Unifont tests skipped"

/// A picture of text as rows of pixels, true = ink.
typealias Bitmap = [[Bool]]

/// Glyphs read straight from the hex file, independently of Heatmap's reader: what a label should look like.
enum HexFile {
    static let lines: [UInt32: Substring] = {
        let text = (try? String(contentsOfFile: unifontPath, encoding: .utf8)) ?? ""
        var lines: [UInt32: Substring] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":")
            if parts.count == 2, let code = UInt32(parts[0], radix: 16) { lines[code] = parts[1] }
        }
        return lines
    }()

    /// One code point's glyph: 16 rows of 8 or 16 pixels.
    static func glyph(_ scalar: Unicode.Scalar) throws -> Bitmap {
        let hex = try #require(lines[scalar.value], "U+\(String(scalar.value, radix: 16)) is not in \(unifontPath)")
        let digits = Array(hex), perRow = digits.count / 16
        return (0..<16).map { row in
            let bits = UInt32(String(digits[(row * perRow)..<((row + 1) * perRow)]), radix: 16) ?? 0
            return (0..<(perRow * 4)).map { column in bits >> (perRow * 4 - 1 - column) & 1 == 1 }
        }
    }

    /// The glyphs of `text`'s code points side by side (no combining marks).
    static func bitmap(_ text: String) throws -> Bitmap {
        var rows = Bitmap(repeating: [], count: 16)
        for scalar in text.unicodeScalars {
            let glyph = try glyph(scalar)
            for row in 0..<16 { rows[row] += glyph[row] }
        }
        return rows
    }
}

/// Where `bitmap` appears exactly — ink where it has ink, no ink where it has none — with its
/// top-left corner inside xs × ys; nil if nowhere.
func locate(_ bitmap: Bitmap, in image: RGBImage, xs: Range<Int>, ys: Range<Int>, ink: RGB = Palette.Fixed.ink.rgb) -> (x: Int, y: Int)? {
    let (height, width) = (bitmap.count, bitmap.first?.count ?? 0)
    guard height > 0, width > 0 else { return nil }
    for y in max(ys.lowerBound, 0)..<min(ys.upperBound, image.height - height + 1) {
        for x in max(xs.lowerBound, 0)..<min(xs.upperBound, image.width - width + 1) {
            if (0..<height).allSatisfy({ r in (0..<width).allSatisfy { c in (image[x + c, y + r] == ink) == bitmap[r][c] } }) {
                return (x, y)
            }
        }
    }
    return nil
}

/// Each pixel made a scale × scale square.
func scaled(_ bitmap: Bitmap, _ scale: Int) -> Bitmap {
    bitmap.flatMap { row in Array(repeating: row.flatMap { Array(repeating: $0, count: scale) }, count: scale) }
}

/// The bitmap as `Canvas.Direction.up` draws it: a quarter turn anticlockwise.
func turnedUp(_ bitmap: Bitmap) -> Bitmap {
    let width = bitmap[0].count
    return (0..<width).map { y in bitmap.indices.map { r in bitmap[r][width - 1 - y] } }
}

/// How many pixel rows of `region` hold ink.
func inkRows(_ image: RGBImage, xs: Range<Int>, ys: Range<Int>) -> Int {
    ys.filter { y in xs.contains { x in image[x, y] == Palette.Fixed.ink.rgb } }.count
}

func figure(labels: [String], font: Font, title: String = "tokens") -> MatrixFigure {
    let n = labels.count
    let matrix = LabelledMatrix(rows: n, columns: n, values: (0..<(n * n)).map { Float($0 % 7) / 6 },
                                rowLabels: labels, columnLabels: labels)
    return MatrixFigure(title: title, matrix: matrix, font: font)
}

@Suite(.enabled(if: unifontInstalled, withoutUnifont)) struct UnifontTests {
    let font: Font
    init() throws { font = try Font.unifont(path: unifontPath) }

    @Test func labelsAreDrawnWithTheirUnifontGlyphsOnBothAxes() throws {
        let labels = ["银行", "é", "␣bank", "##ing", "e\u{301}"]
        let figure = figure(labels: labels, font: font, title: "银行 é")
        let layout = try Layout(figure)
        let image = try roundTrip(Heatmap.render(figure))
        let (x0, y0, cell) = (layout.origin(0, 0).x, layout.origin(0, 0).y, layout.cell)
        // "e" with the combining acute drawn over it.
        let e = try HexFile.glyph("e"), acute = try HexFile.glyph("\u{301}")
        let composed = zip(e, acute).map { zip($0, $1).map { $0 || $1 } }
        let expected = try labels.dropLast().map(HexFile.bitmap) + [composed]
        #expect(layout.uprightColumnLabels)
        for (i, bitmap) in expected.enumerated() {
            let row = locate(bitmap, in: image, xs: 0..<x0, ys: (y0 + i * cell - 4)..<(y0 + (i + 1) * cell))
            #expect(row != nil, "row label \(labels[i]) is not its Unifont glyphs")
            let column = locate(bitmap, in: image, xs: (x0 + i * cell - 4)..<(x0 + (i + 1) * cell), ys: 0..<y0)
            #expect(column != nil, "column label \(labels[i]) is not its Unifont glyphs")
        }
        // And the title, at twice the size.
        #expect(locate(scaled(try HexFile.bitmap("银行"), 2), in: image, xs: 0..<40, ys: 0..<40) != nil)
    }

    @Test func labelsAreAtLeast16PixelsTall() throws {
        let figure = figure(labels: ["银行", "bank"], font: font)
        let layout = try Layout(figure)
        #expect(layout.label.height >= 16)
        let image = try roundTrip(Heatmap.render(figure))
        let (x0, y0) = layout.origin(0, 0)
        // 银 and 行 have ink in every one of their 16 rows.
        #expect(inkRows(image, xs: Heatmap.margin..<(x0 - 2), ys: y0..<(y0 + layout.cell)) >= 16)
    }

    @Test func rotatedColumnLabelsTakeWideGlyphs() throws {
        let labels = (0..<12).map { $0 % 2 == 0 ? "银行银行" : "tok\($0)" }
        let figure = figure(labels: labels, font: font)
        let layout = try Layout(figure)
        #expect(!layout.uprightColumnLabels)
        let image = try roundTrip(Heatmap.render(figure))
        let (x0, y0, cell) = (layout.origin(0, 0).x, layout.origin(0, 0).y, layout.cell)
        let up = turnedUp(try HexFile.bitmap("银行银行"))
        for j in stride(from: 0, to: 12, by: 2) {
            let found = locate(up, in: image, xs: (x0 + j * cell - 4)..<(x0 + (j + 1) * cell), ys: 0..<y0)
            #expect(found != nil, "column \(j)")
            // The label ends above the panel, not in it.
            if let found { #expect(found.y + up.count <= y0 - 1) }
        }
    }

    @Test func clustersBecomeCodePointsAndNeverVanish() throws {
        let family = "👨\u{200D}👩\u{200D}👧", flag = "🇫🇷"
        #expect(font.shape(family).glyphs.count == 3 && font.shape(family).width == 48)   // three wide boxes
        #expect(font.shape(flag).width == 32)
        #expect(font.shape("银").width == 16 && font.shape("é").width == 8 && font.shape("␣").width == 8)
        #expect(font.shape("e\u{301}").width == 8)                                       // the mark takes no room
        for text in [family, flag, "\u{200D}", "\u{FE0F}", "\u{301}", "a\u{20DD}", "\n", "\u{0}", "𠀀", "\u{E000}"] {
            let shaped = font.shape(text)
            #expect(shaped.width > 0 && shaped.glyphs.contains { $0.glyph.rows.contains { $0 != 0 } }, "\(text.debugDescription)")
        }
        #expect(font.shape("").glyphs.isEmpty)
        let labels = [family, flag, "\u{200D}", "", "𠀀", String(repeating: "银", count: 40)]
        let image = try roundTrip(Heatmap.render(figure(labels: labels, font: font)))
        #expect(image.width > 0)
    }

    @Test func theReaderFindsWhatTheFileHolds() throws {
        let file = try UnifontFile(path: unifontPath)
        let codes = HexFile.lines.keys.sorted()
        let sample = Array(stride(from: 0, to: codes.count, by: 53).map { codes[$0] }) + [codes.first!, codes.last!]
        for code in sample {
            let scalar = try #require(Unicode.Scalar(code))
            let glyph = try #require(file.glyph(scalar), "U+\(String(code, radix: 16))")
            let expected = try HexFile.glyph(scalar)
            #expect((0..<16).allSatisfy { r in (0..<glyph.width).allSatisfy { c in glyph.isInk(row: r, column: c) == expected[r][c] } })
            #expect(glyph.width == expected[0].count)
        }
        #expect(file.glyph("\u{1F600}") == nil && file.glyph("\u{10FFFF}") == nil)
    }

    @Test func sameLabelsSameBytes() throws {
        let figure = figure(labels: ["银行", "é", "␣bank", "##ing"], font: font)
        #expect(try PNG.encode(Heatmap.render(figure)) == PNG.encode(Heatmap.render(figure)))
    }
}

@Suite struct BuiltinFontTests {
    /// The built-in glyphs of `text` side by side, each a 5-pixel glyph and a pixel of space.
    func builtin(_ text: String) -> Bitmap {
        (0..<BitmapFont.glyphHeight).map { row in
            text.unicodeScalars.flatMap { scalar in
                let glyph = BitmapFont.glyph(scalar) ?? BitmapFont.box
                return (0..<5).map { glyph.isInk(row: row, column: $0) } + [false]
            }.dropLast()
        }
    }

    @Test func asciiKeepsTheBuiltinFontAndEverythingElseIsABox() throws {
        let labels = ["bag", "é", "银行", "##ing"]
        let figure = figure(labels: labels, font: .builtin)
        let layout = try Layout(figure)
        #expect(layout.label.height >= 16 && layout.label.scale == 2)
        let image = try roundTrip(Heatmap.render(figure))
        let (x0, y0, cell) = (layout.origin(0, 0).x, layout.origin(0, 0).y, layout.cell)
        let expected = ["bag", "\u{1}", "\u{1}\u{1}", "##ing"].map { scaled(builtin($0), 2) }    // \u{1}: the box
        for (i, bitmap) in expected.enumerated() {
            #expect(locate(bitmap, in: image, xs: 0..<x0, ys: (y0 + i * cell - 4)..<(y0 + (i + 1) * cell)) != nil, "\(labels[i])")
        }
        // "bag" runs from b's top to g's tail: the whole 9-row box, doubled.
        #expect(inkRows(image, xs: Heatmap.margin..<(x0 - 2), ys: y0..<(y0 + cell)) >= 16)
    }

    @Test func theEnvironmentChoosesTheFont() throws {
        #expect(try !Font.choose(environment: ["ATTNLAB_FONT": "builtin"]).isUnifont)
        #expect(try !Font.choose(environment: ["ATTNLAB_FONT": "builtin", "ATTNLAB_UNIFONT": "/nowhere"]).isUnifont)
        #expect(throws: HeatmapError.self) { try Font.choose(environment: ["ATTNLAB_FONT": "comic-sans"]) }
        let missing = #expect(throws: HeatmapError.self) { try Font.choose(environment: ["ATTNLAB_UNIFONT": "/nowhere/unifont.hex"]) }
        #expect(missing?.description == "cannot draw text: ATTNLAB_UNIFONT: cannot open /nowhere/unifont.hex: No such file or directory")
        #expect(throws: HeatmapError.self) {
            try Font.choose(environment: ["ATTNLAB_FONT": "unifont", "ATTNLAB_UNIFONT": "/nowhere/unifont.hex"])
        }
        let automatic = try Font.choose(environment: [:])
        #expect(automatic.isUnifont == FileManager.default.isReadableFile(atPath: Font.defaultUnifontPath))
    }

    @Test func aFileThatIsNotUnifontIsOneClearError() throws {
        let folder = FileManager.default.temporaryDirectory
        let notHex = folder.appendingPathComponent("attnlab-font-\(getpid())-not.hex").path
        let empty = folder.appendingPathComponent("attnlab-font-\(getpid())-empty.hex").path
        FileManager.default.createFile(atPath: notHex, contents: Data("hello, world\n".utf8))
        FileManager.default.createFile(atPath: empty, contents: Data())
        defer { unlink(notHex); unlink(empty) }
        for path in [notHex, empty, folder.path] {
            let error = #expect(throws: HeatmapError.self) { try Font.unifont(path: path) }
            #expect(error?.description.contains("not a Unifont .hex file") == true && error?.description.contains("\n") == false)
        }
    }

    @Test func aDamagedFileGivesBoxesNotACrash() throws {
        let a = "0041:0000000018242442427E424242420000", c = "0043:000000003C42424040404042423C000"   // C: one digit short
        let lines = [a, "not a glyph line", "", "0042:000000007C4242427C424242427C0000\r", c, "4E00:" + String(repeating: "0F", count: 32)]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("attnlab-font-\(getpid())-damaged.hex").path
        FileManager.default.createFile(atPath: path, contents: Data(lines.joined(separator: "\n").utf8))
        defer { unlink(path) }
        let font = try Font.unifont(path: path)
        let file = try UnifontFile(path: path)
        #expect(file.glyph("A")?.width == 8 && file.glyph("B")?.width == 8 && file.glyph("一")?.width == 16)
        #expect(file.glyph("C") == nil && file.glyph("D") == nil && file.glyph("\u{0}") == nil)
        #expect(font.shape("ABCD一").width == 8 + 8 + 8 + 8 + 16)
    }
}
