import Foundation
import Heatmap
import Testing

/// The pictures the README shows, in Output/gallery/. This test draws them again with the commands
/// below and compares pixel by pixel, so the README cannot drift from what attnlab draws.
/// After an intended change to the pictures: ATTNLAB_UPDATE_GALLERY=1 swift test -c release --filter Gallery
/// The gallery's text is drawn in GNU Unifont: without it (or with ATTNLAB_FONT=builtin) the pictures
/// differ by design, so the test is skipped rather than failed, and never rewrites the gallery.
@Suite(.enabled(if: (try? Font.standard())?.isUnifont == true,
                Comment(rawValue: "the gallery is drawn with GNU Unifont, which this process does not use: install it "
                    + "(apt-get install unifont) or unset ATTNLAB_FONT / ATTNLAB_UNIFONT; gallery not compared")))
struct GalleryTests {
    struct Entry: Sendable, CustomStringConvertible {
        let file: String            // name in Output/gallery/
        let arguments: [String]     // "{out}" is a fresh folder
        let produced: String        // what the command wrote there that becomes `file`
        var description: String { file }
    }

    static let text = ["--text", "the cat sat on the mat"]
    static let entries: [Entry] = [
        Entry(file: "causal-mask.png", arguments: ["mask", "causal", "--len", "8", "--png", "{out}/m.png"], produced: "m.png"),
        Entry(file: "prefix-lm-mask.png", arguments: ["mask", "prefix-lm", "--len", "8", "--prefix", "3", "--png", "{out}/m.png"],
              produced: "m.png"),
        Entry(file: "encoder-only-heads.png", arguments: ["trace", "--arch", "encoder-only"] + text + ["--png", "{out}"],
              produced: "encoder.0.self_attn.pattern.png"),
        Entry(file: "decoder-only-heads.png", arguments: ["trace", "--arch", "decoder-only"] + text + ["--png", "{out}"],
              produced: "decoder.0.self_attn.pattern.png"),
        Entry(file: "decoder-only-grid.png", arguments: ["trace", "--arch", "decoder-only"] + text + ["--png", "{out}"],
              produced: "decoder.self_attn.pattern.grid.png"),
        Entry(file: "cross-attention.png",
              arguments: ["trace", "--arch", "encoder-decoder"] + text + ["--target", "le chat est sur le tapis", "--png", "{out}"],
              produced: "decoder.1.cross_attn.pattern.head0.png"),
        Entry(file: "trained-reverse.png",
              arguments: ["train", "--task", "reverse", "--arch", "encoder-decoder", "--preset", "nano", "--out", "{out}/model"],
              produced: "model/attention-over-training.png"),
        Entry(file: "causal-and-padding-mask.png", arguments: ["mask", "causal", "--len", "8", "--valid", "5", "--png", "{out}/m.png"],
              produced: "m.png"),
        Entry(file: "prefix-lm-trace.png",
              arguments: ["trace", "--arch", "decoder-only", "--text", "question : where is the cat ? answer : on the mat",
                          "--mask", "prefix-lm", "--prefix", "8", "--draw", "layers", "--png", "{out}"],
              produced: "decoder.0.self_attn.pattern.png"),
        Entry(file: "causality-change.png",
              arguments: ["check", "causality", "--arch", "decoder-only"] + text + ["--png", "{out}/c.png"], produced: "c.png"),
        Entry(file: "kv-cache-work.png",
              arguments: ["generate", "--arch", "decoder-only"] + text + ["--steps", "24", "--brief", "--png", "{out}/g.png"],
              produced: "g.png"),
        Entry(file: "raw-scores.png", arguments: ["trace", "--arch", "decoder-only"] + text + ["--png", "{out}", "--scores"],
              produced: "decoder.0.self_attn.scores.head0.png"),
    ]

    static let gallery = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Output/gallery").standardizedFileURL

    @Test(arguments: entries)
    func galleryPictureIsWhatAttnlabDrawsToday(entry: Entry) throws {
        let out = try temporaryFolder(entry.file)
        let result = attnlab(entry.arguments.map { $0.replacingOccurrences(of: "{out}", with: out.path) })
        #expect(result.status == 0, "\(result.err)")
        let fresh = out.appendingPathComponent(entry.produced)
        let committed = Self.gallery.appendingPathComponent(entry.file)

        if ProcessInfo.processInfo.environment["ATTNLAB_UPDATE_GALLERY"] != nil {
            try FileManager.default.createDirectory(at: Self.gallery, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: committed)
            try FileManager.default.copyItem(at: fresh, to: committed)
            return
        }
        let a = try PNG.read(fresh.path), b = try PNG.read(committed.path)
        #expect(a.width == b.width && a.height == b.height, "size \(a.width)×\(a.height), gallery \(b.width)×\(b.height)")
        guard a.width == b.width, a.height == b.height else { return }
        // A different CPU may round a pattern's last bit differently and shift a cell by one colour
        // step; anything more than a handful of such pixels is a real change.
        var differing = 0
        for i in stride(from: 0, to: a.bytes.count, by: 3) where (0..<3).contains(where: { abs(Int(a.bytes[i + $0]) - Int(b.bytes[i + $0])) > 6 }) {
            differing += 1
        }
        #expect(differing <= a.width * a.height / 500, "\(differing) of \(a.width * a.height) pixels differ from the gallery")
    }
}
