import Foundation
import Testing
import TensorCore
@testable import AttnlabCLI

/// `attnlab train` and `attnlab eval` end to end, on the nano preset and a few dozen steps.
@Suite struct TrainCommandTests {
    static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static func lastJSON(_ result: CommandResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data((result.out.last ?? "").utf8)) as? [String: Any])
    }

    @Test func trainWritesTheFolderAndEvalAndTraceReadIt() throws {
        let folder = try temporaryFolder().appendingPathComponent("reverse")
        let trained = attnlab("train", "--task", "reverse", "--arch", "encoder-decoder", "--preset", "nano", "--steps", "40",
                              "--out", folder.path, "--json")
        #expect(trained.status == 0, "\(trained.err)")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
        #expect(files == ["config.json", "model.safetensors", "tokenizer.json", "training.json", "training-state.safetensors",
                          "loss.png", "attention-over-training.png"])
        let summary = try Self.lastJSON(trained)
        #expect(summary["steps"] as? Int == 40)
        for key in ["exact_match", "token_accuracy", "steps_per_s", "loss"] { #expect(summary[key] is Double, "\(key)") }
        let record = try Self.json(folder.appendingPathComponent("training.json"))
        #expect(((record["history"] as? [String: Any])?["loss"] as? [Double])?.count == 40)
        #expect((record["held_out"] as? [String: Any])?["samples"] as? Int == 1000)

        let evaluated = attnlab("eval", "--model", folder.path, "--samples", "50", "--json")
        #expect(evaluated.status == 0, "\(evaluated.err)")
        let scores = try Self.lastJSON(evaluated)
        #expect(scores["samples"] as? Int == 50)
        #expect(scores["exact_match"] is Double && scores["token_accuracy"] is Double)

        let traced = attnlab("trace", "--model", folder.path, "--text", "c a f e b", "--target", "b e f a c",
                             "--hooks", "decoder.1.cross_attn.pattern")
        #expect(traced.status == 0, "\(traced.err)")
        #expect(traced.out.contains { $0.contains("decoder.1.cross_attn.pattern  [2, 6, 6]") })
        let unknown = attnlab("trace", "--model", folder.path, "--text", "c a z", "--target", "b")
        #expect(unknown.status != 0 && unknown.err.count == 1 && unknown.err[0].contains("'z'"), "\(unknown.err)")
    }

    @Test func resumingCarriesOnBitForBit() throws {
        let root = try temporaryFolder()
        let straight = root.appendingPathComponent("straight"), broken = root.appendingPathComponent("broken")
        let common = ["train", "--task", "copy", "--arch", "decoder-only", "--preset", "nano"]
        #expect(attnlab(common + ["--steps", "30", "--out", straight.path]).status == 0)
        #expect(attnlab(common + ["--steps", "18", "--out", broken.path]).status == 0)
        let resumed = attnlab("train", "--resume", broken.path, "--steps", "30")
        #expect(resumed.status == 0, "\(resumed.err)")
        let a = try Self.json(straight.appendingPathComponent("training.json"))["history"] as? [String: [Double]]
        let b = try Self.json(broken.appendingPathComponent("training.json"))["history"] as? [String: [Double]]
        #expect(a != nil && a == b)
        #expect(try Data(contentsOf: straight.appendingPathComponent("model.safetensors"))
                == Data(contentsOf: broken.appendingPathComponent("model.safetensors")))
    }

    @Test func aDecoderOnlyModelIsSavedInGPT2sLayout() throws {
        let folder = try temporaryFolder().appendingPathComponent("copy")
        #expect(attnlab("train", "--task", "copy", "--arch", "decoder-only", "--preset", "nano", "--steps", "5", "--out", folder.path).status == 0)
        let config = try Self.json(folder.appendingPathComponent("config.json"))
        #expect(config["model_type"] as? String == "gpt2")
        let tensors = try SafeTensors.read(folder.appendingPathComponent("model.safetensors"))
        #expect(tensors["transformer.h.0.attn.c_attn.weight"]?.shape == [16, 48])
    }

    /// Ctrl-C in the middle of training: the last completed step is saved, whole, and can be resumed.
    @Test func anInterruptSavesTheLastCompletedStep() throws {
        let folder = try temporaryFolder().appendingPathComponent("interrupted")
        let process = Process()
        process.executableURL = attnlabExecutable()
        process.arguments = ["train", "--task", "copy", "--arch", "decoder-only", "--preset", "nano", "--steps", "1000000",
                             "--out", folder.path]
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        usleep(1_500_000)
        process.interrupt()
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(said)")
        #expect(said.contains("saved the model after step"))
        let record = try Self.json(folder.appendingPathComponent("training.json"))
        let done = try #require(record["steps_done"] as? Int)
        #expect(((record["history"] as? [String: Any])?["loss"] as? [Double])?.count == done)
        // Nothing but the folder itself beside it (no scratch copies).
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.deletingLastPathComponent().path) == ["interrupted"])
        let resumed = attnlab("train", "--resume", folder.path, "--steps", String(done + 2))
        #expect(resumed.status == 0, "\(resumed.err)")
    }
}
