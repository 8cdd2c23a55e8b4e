import Foundation
import Testing
import TensorCore
import Transformer
@testable import Training

/// Counts the calls of the logits hook, which runs once per sequence in batch order, so that its
/// count is the example's index across batches.
final class CallCounter: @unchecked Sendable { var calls = 0 }

/// Hooks that replace the logits of example i with a large score at `choose(i, position)` (nil:
/// leave the row alone).
func forcedLogits(choose: @escaping (Int, Int) -> Int?) -> Pass {
    let counter = CallCounter()
    var hooks = Hooks()
    hooks.add("logits") { context, logits in
        let example = counter.calls
        counter.calls += 1
        var forced = logits
        for row in 0..<logits.shape[0] {
            guard let id = choose(example, context.rowPositions.lowerBound + row) else { continue }
            for j in 0..<logits.shape[1] { forced[row, j] = j == id ? 50 : 0 }
        }
        return forced
    }
    return Pass(hooks: hooks)
}

@Suite struct EvaluationTests {
    @Test(arguments: [(TaskKind.reverse, Architecture.encoderOnly), (.copy, .decoderOnly), (.count, .encoderDecoder),
                      (.mlm, .encoderOnly), (.lm, .decoderOnly)])
    func forcedRightLogitsScoreOne(kind: TaskKind, architecture: Architecture) throws {
        let task = try TrainingTask(kind, architecture: architecture, symbols: 5, length: 6)
        let model = try TransformerModel.random(architecture, task.config(.nano), seed: 0)
        let examples = task.heldOut(30, seed: 1)
        let pass = forcedLogits { i, p in examples[i].labels[p] == Example.ignoreLabel ? nil : examples[i].labels[p] }
        let result = try evaluate(model, on: examples, pass: pass)
        #expect(result.exactMatch == 1)
        #expect(result.tokenAccuracy == 1)
        #expect(result.samples == 30)
        #expect(result.loss < 1e-6)
        #expect(result.accuracyByPosition.allSatisfy { $0 == 1 || $0.isNaN })
    }

    @Test(arguments: [64, 3])
    func knownMistakesGiveKnownFractions(batchSize: Int) throws {
        // reverse, encoder-only, ten examples of length 4: 40 labelled tokens.
        let task = try TrainingTask(.reverse, architecture: .encoderOnly, symbols: 5, length: 4)
        let model = try TransformerModel.random(.encoderOnly, task.config(.nano), seed: 0)
        let examples = try (0..<10).map { i in try task.example(for: [5, 6, 7, 5 + i % 5]) }
        // Examples 0..<4 get position 1 wrong, example 0 position 3 as well: 5 tokens in 4 sequences.
        let pass = forcedLogits { i, p in
            let label = examples[i].labels[p]
            let wrong = (i < 4 && p == 1) || (i == 0 && p == 3)
            return wrong ? (label == 5 ? 6 : 5) : label
        }
        let result = try evaluate(model, on: examples, batchSize: batchSize, pass: pass)
        #expect(result.exactMatch == 0.6)
        #expect(result.tokenAccuracy == 0.875)
        #expect(result.accuracyByPosition == [1, 0.6, 1, 0.9])
        #expect(result.labelledByPosition == [10, 10, 10, 10])
        #expect(result.samples == 10)
    }

    @Test func positionsCountFromTheTargetsStart() throws {
        // copy, decoder-only, x of length 3: the target is x and <eos>, at decoder positions 4...7.
        let copy = try TrainingTask(.copy, architecture: .decoderOnly, symbols: 5, length: 3)
        let model = try TransformerModel.random(.decoderOnly, copy.config(.nano), seed: 0)
        let examples = try (0..<4).map { _ in try copy.example(for: [5, 6, 7]) }
        #expect(examples[0].targetStart == 4)
        // Half the examples miss the <eos>: target index 3.
        let pass = forcedLogits { i, p in p == 7 && i % 2 == 0 ? 5 : examples[i].labels[p] == -100 ? nil : examples[i].labels[p] }
        let result = try evaluate(model, on: examples, pass: pass)
        #expect(result.accuracyByPosition == [1, 1, 1, 0.5])
        #expect(result.exactMatch == 0.5)

        // count, decoder-only: index i is x[i]'s position, after <bos>.
        let count = try TrainingTask(.count, architecture: .decoderOnly, symbols: 5, length: 3)
        let counting = try TransformerModel.random(.decoderOnly, count.config(.nano), seed: 0)
        let sample = try count.example(for: [5, 5, 6])
        let firstWrong = forcedLogits { _, p in p == 1 ? 0 : sample.labels[p] == -100 ? nil : sample.labels[p] }
        let scored = try evaluate(counting, on: [sample], pass: firstWrong)
        #expect(scored.accuracyByPosition == [0, 1, 1])
        #expect(abs(scored.tokenAccuracy - 2.0 / 3) < 1e-12)
    }

    @Test func emptyOrBadRequestsAreRefused() throws {
        let task = try TrainingTask(.sort, architecture: .encoderOnly)
        let model = try TransformerModel.random(.encoderOnly, task.config(.nano), seed: 0)
        #expect(throws: TaskError.evaluation("there are no examples")) { try evaluate(model, on: []) }
        #expect(throws: TaskError.self) { try evaluate(model, on: task.heldOut(2, seed: 0), batchSize: 0) }
    }

    @Test func crossEntropyMatchesItsDefinition() {
        let row: [Float] = [1, 2, 3]
        let expected = -log(exp(2.0) / (exp(1.0) + exp(2.0) + exp(3.0)))
        #expect(abs(crossEntropy(row, label: 1) - expected) < 1e-12)
        #expect(crossEntropy(row, label: 7) == .infinity)
    }
}
