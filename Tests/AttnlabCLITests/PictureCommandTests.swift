import Checkpoints
import Foundation
import Heatmap
import Reports
import Testing
import Transformer
@testable import AttnlabCLI

@Suite struct PictureCommandTests {
    @Test func tracePngWritesPerLayerPerHeadAndGridNamedLikeTheHooks() throws {
        let folder = try temporaryFolder()
        let result = attnlab("trace", "--arch", "decoder-only", "--preset", "nano", "--text", "a b c", "--png", folder.path)
        #expect(result.status == 0, "\(result.err)")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
        // nano: 2 layers × 2 heads → 2 per-layer pictures, 4 per-head pictures, 1 grid
        #expect(files == ["decoder.0.self_attn.pattern.png", "decoder.1.self_attn.pattern.png",
                          "decoder.0.self_attn.pattern.head0.png", "decoder.0.self_attn.pattern.head1.png",
                          "decoder.1.self_attn.pattern.head0.png", "decoder.1.self_attn.pattern.head1.png",
                          "decoder.self_attn.pattern.grid.png"])
        let printed = Set(result.out.filter { $0.hasPrefix("wrote ") }.map { String($0.dropFirst(6)) })
        #expect(printed == Set(files.map { folder.appendingPathComponent($0).path }))
    }

    @Test func picturesAreByteIdenticalRunToRun() throws {
        let a = try temporaryFolder("pa"), b = try temporaryFolder("pb")
        for folder in [a, b] {
            #expect(attnlab("trace", "--arch", "encoder-decoder", "--text", "x y", "--target", "z", "--png", folder.path, "--scores").status == 0)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: a.path)
        // patterns and scores × (6 recordings (3 sites × 2 layers) × (1 + 4 heads) + 3 grids)
        #expect(files.count == 66)
        for file in files {
            #expect(FileManager.default.contents(atPath: a.appendingPathComponent(file).path)
                    == FileManager.default.contents(atPath: b.appendingPathComponent(file).path), "\(file)")
        }
    }

    @Test func maskPngIsWrittenAndPrinted() throws {
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("causal.png").path
        let result = attnlab("mask", "causal", "--len", "8", "--png", path)
        #expect(result.status == 0)
        #expect(result.out.contains("wrote \(path)"))
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func pictureErrorsWriteNothing() throws {
        let parent = try temporaryFolder()
        let blocker = parent.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        for arguments in [["trace", "--text", "hi", "--png", blocker.appendingPathComponent("pics").path],
                          ["mask", "causal", "--len", "4", "--png", blocker.appendingPathComponent("m.png").path],
                          ["trace", "--text", "hi", "--scores"],
                          ["trace", "--text", "hi", "--hooks", "*.mlp.out", "--png", parent.appendingPathComponent("p").path]] {
            let result = attnlab(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.err.count == 1, "\(arguments): \(result.err)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["file"])
    }
}

/// Text as the pictures draw it (label size, in the font this process uses), as rows of ink.
func textBitmap(_ text: String) throws -> [[Bool]] {
    let style = try Font.standard().label
    var canvas = Canvas(width: style.width(text), height: style.height, palette: Palette(scale: .unit))
    canvas.text(text, x: 0, y: 0, style: style)
    let ink = canvas.palette.index(.ink)
    return (0..<canvas.height).map { y in (0..<canvas.width).map { x in canvas[x, y] == ink } }
}

/// Where `bitmap` appears in `image` exactly (`color` where it has ink, none where it has none),
/// read bottom to top when `turnedUp`; at most `limit` places.
func places(_ image: RGBImage, _ bitmap: [[Bool]], turnedUp: Bool = false, color: RGB = Palette.Fixed.ink.rgb,
            limit: Int = .max) -> [(x: Int, y: Int)] {
    let rows = turnedUp ? (0..<bitmap[0].count).map { y in bitmap.indices.map { bitmap[$0][bitmap[0].count - 1 - y] } } : bitmap
    let (height, width) = (rows.count, rows[0].count)
    guard image.width >= width, image.height >= height else { return [] }
    // Plain arrays and loops: this runs over every pixel, in debug builds too.
    var inked = [Bool](repeating: false, count: image.width * image.height)
    for i in inked.indices where RGB(image.bytes[3 * i], image.bytes[3 * i + 1], image.bytes[3 * i + 2]) == color { inked[i] = true }
    let wanted = rows.flatMap { $0 }
    var found: [(x: Int, y: Int)] = []
    for y in 0...(image.height - height) {
        for x in 0...(image.width - width) {
            var same = true
            var r = 0
            while same && r < height {
                let base = (y + r) * image.width + x, row = r * width
                var c = 0
                while c < width { if inked[base + c] != wanted[row + c] { same = false; break }; c += 1 }
                r += 1
            }
            if same {
                found.append((x, y))
                if found.count == limit { return found }
            }
        }
    }
    return found
}

func contains(_ image: RGBImage, _ bitmap: [[Bool]], turnedUp: Bool = false, color: RGB = Palette.Fixed.ink.rgb) -> Bool {
    !places(image, bitmap, turnedUp: turnedUp, color: color, limit: 1).isEmpty
}

/// The pixels of a picture in one colour.
func pixels(_ image: RGBImage, _ color: RGB) -> [(x: Int, y: Int)] {
    (0..<image.height).flatMap { y in (0..<image.width).compactMap { x in image[x, y] == color ? (x, y) : nil } }
}

/// What the commands draw, read back from their PNG files.
@Suite struct PictureCommandMarkTests {
    func draw(_ arguments: [String], _ name: String = #function) throws -> RGBImage {
        let path = try temporaryFolder(name).appendingPathComponent("p.png").path
        let result = attnlab(arguments + ["--png", path])
        #expect(result.status == 0, "\(result.err)")
        return try PNG.read(path)
    }

    @Test func paddingAndCausalGetTwoHatchesAndTheLegendNamesBoth() throws {
        // Rising lines lie on x + y ≡ 0, falling ones on x − y ≡ 0 (mod 6); a pixel on only one tells its rule.
        func directions(_ image: RGBImage) -> (rising: Int, falling: Int) {
            let hatch = pixels(image, Palette.Fixed.hatch.rgb)
            let rising = hatch.filter { ($0.x + $0.y) % 6 == 0 && ($0.x - $0.y + 60_000) % 6 != 0 }.count
            let falling = hatch.filter { ($0.x - $0.y + 60_000) % 6 == 0 && ($0.x + $0.y) % 6 != 0 }.count
            return (rising, falling)
        }
        let both = directions(try draw(["mask", "causal", "--len", "8", "--valid", "5"]))
        #expect(both.rising > 100 && both.falling > 100)
        let causal = directions(try draw(["mask", "causal", "--len", "8"]))
        #expect(causal.rising > 100 && causal.falling == 0)
        let image = try draw(["mask", "causal", "--len", "8", "--valid", "5"], "legend")
        #expect(contains(image, try textBitmap("blocked by padding: keys from 5 on are padding")))
        #expect(contains(image, try textBitmap("blocked by causal: the key comes after the query")))
    }

    @Test func thePrefixLMMaskMarksWhereThePrefixEnds() throws {
        let image = try draw(["mask", "prefix-lm", "--len", "8", "--prefix", "3"])
        let marked = pixels(image, Palette.Fixed.marker.rgb)
        // One vertical and one horizontal line, each crossing the whole 8-cell panel.
        let columns = Dictionary(grouping: marked, by: \.x).mapValues(\.count), rows = Dictionary(grouping: marked, by: \.y).mapValues(\.count)
        let longest = (x: columns.values.max() ?? 0, y: rows.values.max() ?? 0)
        #expect(longest.x > 300 && longest.y > 300)
        // The vertical line is 3/8 of the way across the panel, whose frame spans the horizontal line.
        let lineX = columns.filter { $0.value == longest.x }.keys.min() ?? 0, lineY = rows.filter { $0.value == longest.y }.keys.min() ?? 0
        let frame = pixels(image, Palette.Fixed.frame.rgb).filter { $0.y == lineY - 20 }.map(\.x)
        let (left, right) = (frame.min() ?? 0, frame.max() ?? 0)
        #expect(abs(Double(lineX + 1 - left) / Double(right - left) - 3.0 / 8) < 0.01)
        #expect(contains(image, try textBitmap("prefix ends")))
        #expect(pixels(try draw(["mask", "causal", "--len", "8"], "causal"), Palette.Fixed.marker.rgb).isEmpty)
    }

    @Test func heatmapsNameTheirAxesAndEveryRowOfPanelsHasColumnLabels() throws {
        let image = try draw(["mask", "causal", "--len", "6"])
        #expect(contains(image, try textBitmap("key (attended to)")))
        #expect(contains(image, try textBitmap("query (the token that attends)"), turnedUp: true))
        let folder = try temporaryFolder()
        #expect(attnlab("trace", "--arch", "decoder-only", "--preset", "nano", "--text", "cat", "--png", folder.path, "--draw", "grid").status == 0)
        let grid = try PNG.read(folder.appendingPathComponent("decoder.self_attn.pattern.grid.png").path)
        #expect(contains(grid, try textBitmap("random weights, seed 0"), color: Palette.Fixed.softInk.rgb))
        // 2 layers × 2 heads of <bos> and cat: "<bos>" turned up over the first column of all four
        // panels, in two rows; and written across at the start of both rows of panels.
        let bos = try textBitmap("<bos>")
        let over = places(grid, bos, turnedUp: true)
        #expect(over.count == 4 && Set(over.map(\.y)).count == 2, "column labels at \(over)")
        #expect(places(grid, bos).count == 2)
    }

    @Test func theChangePlotMarksTheChangedPositionAndTheKVPictureShowsTheTotals() throws {
        let change = try draw(["check", "causality", "--arch", "decoder-only", "--preset", "nano", "--text", "the cat sat on the mat"])
        #expect(!pixels(change, Palette.Fixed.marker.rgb).isEmpty)
        let (axis, mark) = (try textBitmap("position (token)"), try textBitmap("'sat' became 'dog'"))
        #expect(contains(change, axis) && contains(change, mark))
        let work = try draw(["generate", "--arch", "decoder-only", "--preset", "nano", "--text", "the cat", "--steps", "4", "--brief"])
        #expect(work.height >= 1000)
        #expect(contains(work, try textBitmap("MFLOP, in total"), turnedUp: true))
    }
}

/// Every picture's subtitle begins with the model and where its weights came from.
@Suite struct PictureCommandSubtitleTests {
    func subtitle(_ arguments: [String]) throws -> String { try ModelOptions.parse(arguments).pictureSubtitle() }

    @Test func randomWeightsGiveTheirSeed() throws {
        #expect(try subtitle(["--preset", "nano", "--seed", "4"]) == "decoder-only nano (width 16, 2 heads, 2 layers); random weights, seed 4")
        #expect(try subtitle(["--arch", "encoder-only", "--mask", "causal"]).hasSuffix(", mask causal; random weights, seed 0"))
    }

    @Test func aTrainedFolderGivesItsTaskStepsAndExactMatch() throws {
        let folder = try temporaryFolder().appendingPathComponent("reverse")
        try Checkpoint.save(model: try TransformerModel.random(.decoderOnly, CheckpointOptionTests.config, seed: 1),
                            tokenizerJSON: try CheckpointOptionTests.letters.json(), to: folder)
        #expect(try subtitle(["--model", folder.path]).hasSuffix("; checkpoint reverse, pretrained (Hugging Face gpt2)"))
        let record = #"{"task": "reverse (decoder-only, 10 symbols, length 2...8)", "steps_done": 600, "held_out": {"exact_match": 0.9815}}"#
        try Data(record.utf8).write(to: folder.appendingPathComponent("training.json"))
        #expect(try subtitle(["--model", folder.path])
                == "decoder-only (width 16, 2 heads, 2 layers); trained on reverse (decoder-only, 10 symbols, length 2...8), 600 steps, held-out exact match 0.982")
    }

    @Test func aCheckpointIsNamedAsItsFolderOrItsHuggingFaceName() {
        #expect(ModelOptions.checkpointName("Output/models/all-MiniLM-L6-v2") == "all-MiniLM-L6-v2")
        #expect(ModelOptions.checkpointName("/cache/models--sentence-transformers--all-MiniLM-L6-v2/snapshots/abc") == "all-MiniLM-L6-v2")
        #expect(WeightsOrigin.checkpoint(name: "x", format: "attnlab").description == "checkpoint x (attnlab's format, no training record)")
    }
}
