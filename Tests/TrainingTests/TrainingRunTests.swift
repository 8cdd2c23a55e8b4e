import Foundation
import Testing
import TensorCore
import Transformer
@testable import Training

/// The training loop: deterministic, resumable, stops on divergence, and — the point of it all —
/// teaches a model something whose attention can be measured.
@Suite struct TrainingRunTests {
    static func settings(_ task: TaskKind, _ architecture: Architecture, steps: Int, preset: Preset = .nano) -> TrainingSettings {
        TrainingSettings(task: task, architecture: architecture, preset: preset, steps: steps, seed: 3)
    }

    @Test func theSameSettingsGiveTheSameLossHistoryBitForBit() throws {
        let a = try TrainingRun(Self.settings(.reverse, .encoderDecoder, steps: 12))
        let b = try TrainingRun(Self.settings(.reverse, .encoderDecoder, steps: 12))
        while !a.isFinished { try a.trainStep(); try b.trainStep() }
        #expect(a.history == b.history)
        #expect(a.history.allSatisfy { $0.loss.isFinite })
        #expect(a.frames.count == 6 && a.frames.map(\.step) == [0, 2, 4, 7, 9, 12])
    }

    @Test func aResumedRunContinuesExactlyAsAnUnbrokenOne() throws {
        let unbroken = try TrainingRun(Self.settings(.copy, .decoderOnly, steps: 10))
        while !unbroken.isFinished { try unbroken.trainStep() }

        let first = try TrainingRun(Self.settings(.copy, .decoderOnly, steps: 10))
        for _ in 0..<6 { try first.trainStep() }
        let record = try first.recordJSON(evaluation: nil, clearestHead: nil)
        let resumed = try TrainingRun.resume(record: record, state: first.stateTensors(), model: first.model)
        #expect(resumed.step == 6)
        while !resumed.isFinished { try resumed.trainStep() }
        #expect(resumed.history == unbroken.history)
        #expect(resumed.frames.map(\.step) == unbroken.frames.map(\.step))
        #expect(resumed.model.weights.named == unbroken.model.weights.named)
    }

    @Test func aNaNLossStopsTheRunAndChangesNothing() throws {
        let settings = Self.settings(.copy, .decoderOnly, steps: 5)
        let task = try TrainingRun.check(settings)
        var model = try TransformerModel.random(.decoderOnly, task.config(.nano), seed: 1)
        model.weights.tokenEmbedding.scalars[TrainingTask.bos * model.config.width] = .nan
        let run = try TrainingRun(settings, task: task, model: model, optimizer: AdamW(), history: [], frames: [])
        #expect(throws: TrainingError.diverged(step: 1)) { try run.trainStep() }
        #expect(run.step == 0)
        #expect(run.model.weights.tokenEmbedding.scalars[1].isFinite)   // the update was not applied
    }

    @Test func badSettingsAreRefusedWithTheirBound() {
        #expect(throws: TrainingError.self) { try TrainingRun(TrainingSettings(task: .copy, architecture: .decoderOnly, steps: 0)) }
        #expect(throws: TrainingError.self) { try TrainingRun(TrainingSettings(task: .copy, architecture: .decoderOnly, batch: 5000)) }
        // copy on decoder-only at length 100 makes 202-token sequences; tiny holds 128
        #expect(throws: TrainingError.self) { try TrainingRun(TrainingSettings(task: .copy, architecture: .decoderOnly, length: 100)) }
        #expect(throws: TaskError.self) { try TrainingRun(TrainingSettings(task: .copy, architecture: .encoderOnly)) }
    }

    /// The anti-diagonal: reversing, target position r reads source position n−1−r. Trained here,
    /// in a few seconds (nano preset, release build).
    @Test func aReverseModelLearnsAnAntiDiagonalCrossAttentionHead() throws {
        let run = try TrainingRun(Self.settings(.reverse, .encoderDecoder, steps: 1500))
        while !run.isFinished { try run.trainStep() }
        let evaluation = try run.evaluate(samples: 300)
        #expect(evaluation.exactMatch >= 0.95)
        let head = try #require(try run.clearestHead())
        #expect(head.weight >= 0.8, "the best head puts \(head.weight) on the anti-diagonal")
        // An untrained model of the same shape does not.
        let untrained = try TrainingRun(Self.settings(.reverse, .encoderDecoder, steps: 1500))
        #expect(try #require(try untrained.clearestHead()).weight < 0.5)
    }

    /// The induction diagonal: copying `x <sep> x`, each copied token reads the token that followed
    /// its earlier occurrence.
    @Test func aCopyModelLearnsAnInductionHead() throws {
        let run = try TrainingRun(Self.settings(.copy, .decoderOnly, steps: 1500))
        while !run.isFinished { try run.trainStep() }
        let head = try #require(try run.clearestHead())
        #expect(head.weight >= 0.5, "the best head puts \(head.weight) on the induction diagonal")
        // Silencing that head hurts; silencing another one hurts less.
        let examples = run.task.heldOut(200, seed: 9)
        let site = run.task.watchedSite(layer: head.layer)
        let all = try evaluate(run.model, on: examples)
        let withoutIt = try evaluate(run.model, on: examples, pass: Pass(hooks: ablating(head: head.head, at: site)))
        #expect(withoutIt.tokenAccuracy < all.tokenAccuracy - 0.1)
    }
}
