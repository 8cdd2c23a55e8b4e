import Foundation
import Testing
import TensorCore
import Heatmap
@testable import Experiments
@testable import Reports
@testable import Transformer

private func scratch(_ name: String = #function) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("attnlab-reports-\(getpid())").appendingPathComponent(name.filter { $0.isLetter })
    try? FileManager.default.removeItem(at: url)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private func contents(_ url: URL) -> [String] {
    ((try? FileManager.default.subpathsOfDirectory(atPath: url.path)) ?? []).sorted()
}

@Suite struct OutputSetTests {
    @Test func nothingAppearsUntilCommitThenEverything() throws {
        let folder = try scratch()
        let set = OutputSet()
        try set.write(Data("a".utf8), to: folder.appendingPathComponent("new/a.txt").path)
        try set.write(Data("b".utf8), to: folder.appendingPathComponent("new/deeper/b.txt").path)
        // Only hidden temporary files so far.
        #expect(contents(folder).filter { !$0.hasSuffix("new") && !$0.hasSuffix("deeper") }.allSatisfy { $0.contains("/.") })
        let paths = try set.commit()
        #expect(paths.map { URL(fileURLWithPath: $0).lastPathComponent } == ["a.txt", "b.txt"])
        #expect(contents(folder) == ["new", "new/a.txt", "new/deeper", "new/deeper/b.txt"])
        #expect(throws: OutputError.self) { try set.commit() }
    }

    @Test func aFailurePartWayLeavesNothingNotEvenFolders() throws {
        let folder = try scratch()
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try OutputSet.writing { set in
                try set.write(Data("a".utf8), to: folder.appendingPathComponent("x/y/a.npy").path)
                try set.write(Data("b".utf8), to: folder.appendingPathComponent("x/b.npy").path)
                throw Boom()
            }
        }
        #expect(contents(folder).isEmpty)
    }

    @Test func aFolderThatExistedIsKept() throws {
        let folder = try scratch()
        let set = OutputSet()
        try set.write(Data("a".utf8), to: folder.appendingPathComponent("a.txt").path)
        set.discard()
        #expect(FileManager.default.fileExists(atPath: folder.path))
        #expect(contents(folder).isEmpty)
    }

    @Test func cleanupRemovesWhatIsRegistered() throws {
        let folder = try scratch()
        let list = CleanupList()
        let set = OutputSet(cleanup: list)
        try set.write(Data("a".utf8), to: folder.appendingPathComponent("made/a.txt").path)
        list.removeAll()        // what Ctrl-C does to the process's list before exiting
        #expect(contents(folder).isEmpty)
        set.discard()
    }

    @Test func pathsAreCheckedPlainly() throws {
        let folder = try scratch()
        let file = folder.appendingPathComponent("file").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { try Paths.checkFile("", option: "--png") } == "--png: the path is empty; give a file or folder name")
        #expect(message { try Paths.checkFile("a\0b") }.contains("NUL"))
        #expect(message { try Paths.checkFile(folder.path, option: "--png") }.contains("is a folder"))
        #expect(message { try Paths.checkFolder(file, option: "--npy") }.contains("is a file, not a folder"))
        #expect(message { try Paths.checkFile(file + "/x.png") }.contains("is a file, not a folder"))
        #expect(message { try Paths.checkFolder(folder.appendingPathComponent("new/deeper").path) } == "")
        #expect(contents(folder) == ["file"])
    }
}

@Suite struct ExportAndFigureTests {
    static func trace() throws -> (Trace, TransformerModel, ModelInput, [Stack: [String]]) {
        let model = try TransformerModel.random(.encoderDecoder, Preset.nano.config(), seed: 2)
        let input = ModelInput(encoder: [40, 41, 42, 6], decoder: [5, 60, 61])
        let labels: [Stack: [String]] = [.encoder: ["a", "b", "c", "<eos>"], .decoder: ["<bos>", "x", "y"]]
        return (try Trace(model, input: input, labels: labels, hooks: "*.pattern", alsoRecord: "*.mask"), model, input, labels)
    }

    @Test func npyExportDecodesBackWithItsLabels() throws {
        let (trace, _, input, labels) = try Self.trace()
        let folder = try scratch()
        let export = NpyExport(model: ["architecture": "encoder-decoder", "seed": 2], recordings: trace.asked, input: input, labels: labels)
        let (paths, _) = try OutputSet.writing { try export.write(into: folder.path, output: $0) }
        #expect(paths.count == trace.asked.count + 1)
        for recording in trace.asked {
            let back = try Npy.decode(Data(contentsOf: folder.appendingPathComponent(recording.name + ".npy")))
            #expect(back == recording.tensor)
        }
        let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("tokens.json"))) as? [String: Any])
        #expect(json["seed"] as? Int == 2)
        #expect(((json["tokens"] as? [String: Any])?["decoder"] as? [String: Any])?["ids"] as? [Int] == [5, 60, 61])
        #expect(export.estimatedBytes >= trace.asked.reduce(0) { $0 + 4 * $1.tensor.count })
        #expect(trace.asked.allSatisfy { !$0.name.hasSuffix(".mask") })   // masks were recorded for pictures only
    }

    @Test func picturesPerLayerPerHeadAndGridDecodeToRealPixels() throws {
        let (trace, model, _, _) = try Self.trace()
        let pictures = AttentionPictures(describing: "nano", of: model)
            .pictures(trace.drawable(scores: false), masks: trace.all, scores: false)
        // 3 sites × 2 layers: one per layer, one per head (2 heads), and a grid per site
        #expect(pictures.count == 6 * 3 + 3)
        #expect(pictures.contains { $0.figure.subtitle.contains("causal mask") })
        let folder = try scratch()
        let (paths, _) = try OutputSet.writing { try AttentionPictures.write(pictures, into: folder.path, output: $0) }
        #expect(paths.count == pictures.count)
        let image = try PNG.read(paths[0])
        #expect(image.width > 100 && image.height > 100)
        #expect(AttentionPictures.estimatedBytes(pictures) >= pictures.count * (64 << 10))
    }

    @Test func resultPlotsRender() throws {
        let model = try TransformerModel.random(.decoderOnly, Preset.nano.config(), seed: 2)
        let probe = try CausalityProbe(model, input: ModelInput(decoder: [5, 60, 61, 62]), changing: .decoder, at: 2, to: 99)
        let canvas = try LinePlot.causalityChange(probe, labels: ["<bos>", "a", "b", "c"], old: "b", architecture: .decoderOnly).render()
        #expect(try PNG.encode(canvas).count > 1000)
    }
}

/// The library example in README.md, run as written there (so the README stays true).
@Suite struct ReadmeLibraryExampleTests {
    @Test func theExampleRuns() throws {
        var model = try TransformerModel.random(.decoderOnly, Preset.tiny.config(), seed: 0)
        let input = ModelInput(decoder: [5, 60, 61, 62])
        let logits = try model.forward(input)
        let outputs = try model.forward(batch: [input, ModelInput(decoder: [5, 7])])
        #expect(outputs[0].maxAbsDifference(logits) < 1e-5)
        #expect(model.hookPoints(encoderTokens: 0, decoderTokens: 4).count > 20)

        var hooks = Hooks()
        hooks.add("decoder.1.self_attn.z") { context, z in var z = z; z.scalars[0] = 0; return z }
        let trace = try Trace(model, input: input, labels: [:], hooks: "*.pattern")
        let pass = Pass(hooks: hooks, saving: true)
        _ = try model.forward(input, pass: pass)
        #expect(!(pass.saved[.decoder] ?? []).isEmpty)

        #expect(try CausalityProbe(model, input: input, changing: .decoder, at: 2, to: 99).movedBefore == 0)
        #expect(try TeacherForcingCheck(model, input: input, runs: 5).agrees)
        #expect(try RankComparison(model, input: input, stack: .decoder, layer: 0, head: 0).causal.numericalRank > 0)
        #expect(try GenerationTrace(model, input: input, steps: 8, labels: [:], label: { "\($0)" }).steps.count == 8)
        #expect(ArchitectureComparison(Preset.gpt2Small.config(), tokens: 512).equalBudget.count == 3)

        let pictures = AttentionPictures(describing: "tiny", of: model).pictures(trace.drawable(scores: false), masks: trace.all, scores: false)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attnlab-readme-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (paths, _) = try OutputSet.writing { files in try AttentionPictures.write(pictures, into: folder, output: files) }
        #expect(paths.count == pictures.count)
        model.selfAttentionRules[.decoder] = causal()
    }
}
