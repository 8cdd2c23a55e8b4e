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

    /// `--resume DIR --steps N` keeps the steps done and carries on to N; two such runs agree bit
    /// for bit. (That a resumed run equals an unbroken one of the same length is shown in the
    /// library's TrainingRunTests, where a run can be stopped at any step.)
    @Test func resumingKeepsTheStepsDoneAndCarriesOn() throws {
        let root = try temporaryFolder()
        let common = ["train", "--task", "copy", "--arch", "decoder-only", "--preset", "nano", "--steps", "18"]
        var histories: [[String: [Double]]] = []
        for name in ["a", "b"] {
            let folder = root.appendingPathComponent(name)
            #expect(attnlab(common + ["--out", folder.path]).status == 0)
            let before = try #require(try Self.json(folder.appendingPathComponent("training.json"))["history"] as? [String: [Double]])
            let resumed = attnlab("train", "--resume", folder.path, "--steps", "30")
            #expect(resumed.status == 0, "\(resumed.err)")
            let record = try Self.json(folder.appendingPathComponent("training.json"))
            let after = try #require(record["history"] as? [String: [Double]])
            #expect(after["loss"]?.count == 30)
            #expect(after["loss"].map { Array($0.prefix(18)) } == before["loss"])
            #expect((record["settings"] as? [String: Any])?["steps"] as? Int == 30)
            histories.append(after)
        }
        #expect(histories[0] == histories[1])
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
