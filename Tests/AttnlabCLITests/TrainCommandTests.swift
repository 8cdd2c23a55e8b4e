import Foundation
import Testing
import Synchronization
import TensorCore
import Training
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

/// `train --cache`: the model is kept under a name made from its settings, reused at once by the
/// same settings, trained anew by others, and named by other commands as `trained:NAME`.
@Suite struct TrainingCacheTests {
    static let common = ["train", "--task", "reverse", "--arch", "encoder-decoder", "--preset", "nano", "--steps", "30", "--cache"]

    func files(_ folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            files[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        return files
    }

    @Test func aSecondRunReusesTheModelAndAnotherSeedTrainsAnew() throws {
        let root = try temporaryFolder()
        try RunContext.$trainedFolder.withValue(root.path) {
            let first = attnlab(Self.common + ["--json"])
            #expect(first.status == 0, "\(first.err)")
            let folder = root.appendingPathComponent("reverse-encoder-decoder-nano-seed0-30")
            let before = try files(folder)
            #expect(before.keys.contains("model.safetensors") && before.keys.contains("training.json"))
            #expect(try TrainCommandTests.lastJSON(first)["reused"] as? Bool == false)

            let clock = Date()
            let second = attnlab(Self.common + ["--json"])
            #expect(second.status == 0, "\(second.err)")
            #expect(Date().timeIntervalSince(clock) < 1)
            #expect(second.out.contains("reusing the model trained earlier in \(folder.path)"))
            #expect(try TrainCommandTests.lastJSON(second)["reused"] as? Bool == true)
            // The same summary and scores, and not a byte of the folder changed.
            let summary = { (r: CommandResult) in r.out.filter { $0.hasPrefix("held-out:") || $0.hasPrefix("clearest head:") || $0.hasPrefix("training ") } }
            #expect(summary(first).count == 3 && summary(first) == summary(second))
            #expect(try files(folder) == before)

            // Another seed is another model, trained now; a model is named with trained:NAME.
            let other = attnlab(Self.common + ["--seed", "1"])
            #expect(other.status == 0 && !other.out.contains { $0.hasPrefix("reusing") }, "\(other.err)")
            #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("reverse-encoder-decoder-nano-seed1-30/model.safetensors").path))
            let evaluated = attnlab("eval", "--model", "trained:reverse-encoder-decoder-nano-seed0-30", "--samples", "20")
            #expect(evaluated.status == 0, "\(evaluated.err)")
            #expect(attnlab("eval", "--model", "trained:no-such-model").err.first?.contains("train … --cache") == true)
        }
    }

    @Test func theNameHoldsEverySettingThatChangesTheResult() {
        #expect(TrainingCache.name(.init(task: .reverse, architecture: .encoderDecoder, steps: 600))
                == "reverse-encoder-decoder-tiny-seed0-600")
        #expect(TrainingCache.name(.init(task: .copy, architecture: .decoderOnly, preset: .nano, batch: 16, learningRate: 1e-3,
                                         length: 6, symbols: 5, seed: 3))
                == "copy-decoder-only-nano-seed3-1500-batch16-lr0.001-length6-symbols5")
    }

    /// Two runs of the same settings at once: one trains, the other waits and reuses its model.
    @Test func runsAtOnceTakeTurns() throws {
        let root = try temporaryFolder()
        let results = Mutex<[CommandResult]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let result = RunContext.$trainedFolder.withValue(root.path) { attnlab(Self.common) }
            results.withLock { $0.append(result) }
        }
        let both = results.withLock { $0 }
        #expect(both.allSatisfy { $0.status == 0 }, "\(both.map(\.err))")
        #expect(both.filter { $0.out.contains { $0.hasPrefix("reusing the model trained earlier") } }.count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
                == [".reverse-encoder-decoder-nano-seed0-30.lock", "reverse-encoder-decoder-nano-seed0-30"])
    }

    @Test func aLessonMayNameATrainedModelButNoPath() {
        #expect(LessonSandbox.problem(with: ["eval", "--model", "trained:reverse-encoder-decoder-tiny-seed0-600"]) == nil)
        #expect(LessonSandbox.problem(with: ["train", "--task", "copy", "--cache"]) == nil)
        for bad in ["trained:../x", "trained:/etc", "trained:", "trained:.hidden"] {
            #expect(LessonSandbox.problem(with: ["eval", "--model", bad])?.contains("is a path") == true, "\(bad)")
        }
        #expect(attnlab("train", "--task", "copy", "--cache", "--resume", "x").err.first?.contains("leave out --resume") == true)
    }
}

/// `eval --head-weights`, `--ablate` and `--untrained`: where heads look, what silencing one costs, and
/// the weights a run started from.
@Suite struct EvalHeadsTests {
    /// A small reversing model, trained once into a cache of this suite's own.
    static let cache: URL = {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("attnlab-tests-\(ProcessInfo.processInfo.processIdentifier)/eval-heads-cache")
        RunContext.$trainedFolder.withValue(root.path) {
            _ = attnlab("train", "--task", "reverse", "--arch", "encoder-decoder", "--preset", "nano", "--steps", "400", "--cache")
        }
        return root
    }()
    static let model = "trained:reverse-encoder-decoder-nano-seed0-400"

    func eval(_ arguments: String...) -> CommandResult {
        RunContext.$trainedFolder.withValue(Self.cache.path) { attnlab(["eval", "--model", Self.model, "--samples", "60"] + arguments) }
    }

    @Test func headsPrintsEveryLayerAndHeadAndNamesTheStrongest() throws {
        let result = eval("--head-weights", "--json")
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.contains { $0.hasPrefix("mean cross_attn weight on the anti-diagonal") })
        #expect(result.out.filter { $0.hasPrefix("layer ") }.count == 2)
        let json = try TrainCommandTests.lastJSON(result)
        let heads = try #require(json["heads"] as? [[String: Any]])
        #expect(heads.count == 4)
        let best = try #require(heads.max { ($0["weight"] as? Double ?? 0) < ($1["weight"] as? Double ?? 0) })
        #expect(result.out.contains(String(format: "strongest: layer %d head %d, mean weight %.3f on the target",
                                           best["layer"] as? Int ?? -1, best["head"] as? Int ?? -1, best["weight"] as? Double ?? 0)))
        // Trained, the strongest head reads the anti-diagonal far more than at step 0.
        let untrained = try TrainCommandTests.lastJSON(eval("--head-weights", "--untrained", "--json"))
        let before = try #require((untrained["heads"] as? [[String: Any]])?.compactMap { $0["weight"] as? Double }.max())
        #expect(best["weight"] as? Double ?? 0 > before + 0.1)
    }

    @Test func untrainedScoresTheWeightsTheRunStartedFrom() throws {
        let json = try TrainCommandTests.lastJSON(eval("--untrained", "--json"))
        let run = try TrainingRun(TrainingSettings(task: .reverse, architecture: .encoderDecoder, preset: .nano, steps: 400))
        let start = try run.evaluate(samples: 60)
        // Through JSON text and back, a double may come back one ulp away.
        #expect(abs((json["exact_match"] as? Double ?? -1) - start.exactMatch) < 1e-12)
        #expect(abs((json["token_accuracy"] as? Double ?? -1) - start.tokenAccuracy) < 1e-12, "\(json) \(start)")
    }

    @Test func ablatingAHeadPrintsTheFallAndEachGivesATable() throws {
        let strongest = eval("--ablate", "strongest", "--json")
        #expect(strongest.status == 0, "\(strongest.err)")
        #expect(strongest.out.contains { $0.hasPrefix("silencing layer ") })
        let ablated = try #require(try TrainCommandTests.lastJSON(strongest)["ablated"] as? [String: Any])
        #expect(ablated["exact_match_fall"] is Double)
        let numbered = try TrainCommandTests.lastJSON(eval("--ablate", "\(ablated["layer"] as? Int ?? 0).\(ablated["head"] as? Int ?? 0)", "--json"))
        #expect((numbered["ablated"] as? [String: Any])?["exact_match"] as? Double == ablated["exact_match"] as? Double)
        let each = eval("--ablate", "each", "--json")
        #expect(each.status == 0 && each.out.contains { $0.hasPrefix("largest fall: layer ") }, "\(each.err)")
        #expect((try TrainCommandTests.lastJSON(each)["ablated_each"] as? [Any])?.count == 4)
        // A head out of range is refused before any evaluation is printed.
        let outOfRange = eval("--ablate", "5.0")
        #expect(outOfRange.err.first?.contains("layers 0...1") == true)
        #expect(!outOfRange.out.contains { $0.contains("exact match") }, "\(outOfRange.out)")
        #expect(eval("--ablate", "first").status != 0)
    }

    @Test func aCachedModelIsCopiedWithOutAndItsPictureWithPNG() throws {
        let out = try temporaryFolder()
        let result = RunContext.$trainedFolder.withValue(Self.cache.path) {
            attnlab("train", "--task", "reverse", "--arch", "encoder-decoder", "--preset", "nano", "--steps", "400", "--cache",
                    "--out", out.appendingPathComponent("copy").path, "--png", out.appendingPathComponent("film.png").path)
        }
        #expect(result.status == 0, "\(result.err)")
        let cached = Self.cache.appendingPathComponent("reverse-encoder-decoder-nano-seed0-400")
        for name in try FileManager.default.contentsOfDirectory(atPath: cached.path) {
            #expect(try Data(contentsOf: cached.appendingPathComponent(name)) == Data(contentsOf: out.appendingPathComponent("copy/\(name)")), "\(name)")
        }
        #expect(try Data(contentsOf: out.appendingPathComponent("film.png"))
                == Data(contentsOf: cached.appendingPathComponent("attention-over-training.png")))
    }
}
