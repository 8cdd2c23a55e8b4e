import Foundation
import Testing
import TensorCore
import Transformer
@testable import Training

/// A model whose every parameter has a multiple of 3 scalars (width 3, vocabulary 1), so each can
/// hold the same 3-number pattern tiled.
func tinyWeights() -> ModelWeights {
    let config = ModelConfig(width: 3, heads: 1, layers: 1, mlpWidth: 3, vocabularySize: 1, maxLength: 1)
    return ModelWeights.zeros(config, .decoderOnly)
}

/// Every scalar i of every parameter set to `pattern[i % 3]`.
func tiled(_ weights: ModelWeights, _ pattern: [Float]) -> ModelWeights {
    var out = weights
    out.visit { _, tensor in
        for i in 0..<tensor.count { tensor.scalars[i] = pattern[i % pattern.count] }
    }
    return out
}

@Suite struct AdamWTests {
    /// PyTorch's AdamW by hand (lr 0.01, λ 0.1, β 0.9/0.999, ε 1e-8) on p = [1, −2, 0.5] with
    /// gradients [0.1t, −0.2, 0.3/t] for t = 1, 2, 3, computed in double precision.
    static let withoutDecay: [Float] = [0.970768170, -1.970000002, 0.471946619]
    static let withDecay: [Float] = [0.967800810, -1.964035989, 0.470477431]

    @Test func threeStepsMatchAHandComputedReference() throws {
        var weights = tiled(tinyWeights(), [1, -2, 0.5])
        var adam = AdamW(weightDecay: 0.1)
        for t in 1...3 {
            let g = tiled(weights, [0.1 * Float(t), -0.2, 0.3 / Float(t)])
            try adam.update(&weights, gradients: g, learningRate: 0.01)
        }
        #expect(adam.step == 3)
        var checked = 0
        weights.visit { name, tensor in
            let expected = AdamW.decaysByDefault(name) ? Self.withDecay : Self.withoutDecay
            for i in 0..<tensor.count {
                #expect(abs(tensor.scalars[i] - expected[i % 3]) <= 1e-6, "\(name)[\(i)]")
            }
            checked += 1
        }
        #expect(checked > 10)
    }

    @Test func defaultRuleSparesNormsBiasesAndEmbeddings() {
        let spared = ["embed.token", "embed.position", "embed.norm.weight", "embed.norm.bias",
                      "encoder.0.self_attn_norm.weight", "decoder.1.cross_attn_norm.bias", "decoder.0.mlp_norm.weight",
                      "decoder.final_norm.weight", "encoder.0.self_attn.q.bias", "decoder.0.mlp.up.bias",
                      "encoder.0.self_attn.relative_bias"]
        let decayed = ["encoder.0.self_attn.q.weight", "decoder.1.cross_attn.o.weight", "decoder.0.mlp.up.weight",
                       "decoder.0.mlp.down.weight", "unembed.weight"]
        for name in spared { #expect(!AdamW.decaysByDefault(name), "\(name)") }
        for name in decayed { #expect(AdamW.decaysByDefault(name), "\(name)") }
    }

    @Test func aCustomRuleDecaysWhatItIsAskedTo() throws {
        var weights = tiled(tinyWeights(), [1, 1, 1])
        var adam = AdamW(weightDecay: 0.5, decays: { $0 == "embed.token" })
        try adam.update(&weights, gradients: tiled(weights, [0, 0, 0]), learningRate: 0.1)
        let after = namedTensors(weights)
        // A zero gradient leaves m = v = 0, so only the decay moves a parameter: 1 − 0.1·0.5.
        #expect(after["embed.token"]?.scalars == [0.95, 0.95, 0.95])
        #expect(after["decoder.0.mlp.up.weight"]?.scalars == Array(repeating: 1, count: 9))
    }

    @Test func restoredStateContinuesExactly() throws {
        var rng = SeededGenerator(seed: 5)
        let config = ModelConfig(width: 8, heads: 2, layers: 1, mlpWidth: 16, vocabularySize: 7, maxLength: 4)
        let start = ModelWeights.random(config, .encoderDecoder, seed: 1)
        let gradients = (0..<4).map { _ in
            var g = start
            g.visit { _, tensor in tensor = rng.uniformTensor(shape: tensor.shape, std: 0.1) }
            return g
        }
        var straight = start, resumed = start
        var adam = AdamW(beta2: 0.99, weightDecay: 0.05)
        for g in gradients.prefix(2) { try adam.update(&straight, gradients: g, learningRate: 0.01) }
        resumed = straight
        var restored = try AdamW(restoring: adam.tensors(), step: adam.step, beta2: 0.99, weightDecay: 0.05)
        #expect(adam.tensors().count == 2 * start.parameterShapes.count)
        for g in gradients.suffix(2) {
            try adam.update(&straight, gradients: g, learningRate: 0.01)
            try restored.update(&resumed, gradients: g, learningRate: 0.01)
        }
        #expect(restored.step == 4)
        #expect(namedTensors(straight) == namedTensors(resumed))
    }

    @Test func stateThatDoesNotFitIsRefused() throws {
        var weights = tiled(tinyWeights(), [1, 2, 3])
        var adam = AdamW()
        try adam.update(&weights, gradients: weights, learningRate: 0.01)
        var state = adam.tensors()

        state["m.embed.token"] = Tensor(zeros: [2, 2])
        var wrongShape = try AdamW(restoring: state, step: 1)
        #expect(throws: OptimiserError.self) { try wrongShape.update(&weights, gradients: weights, learningRate: 0.01) }

        state = adam.tensors()
        state["v.embed.token"] = nil
        #expect(throws: OptimiserError.state("parameter embed.token has only one of its two moments")) {
            try AdamW(restoring: state, step: 1)
        }
        state = adam.tensors()
        state["momentum.x"] = Tensor(zeros: [1])
        #expect(throws: OptimiserError.self) { try AdamW(restoring: state, step: 1) }
        #expect(throws: OptimiserError.self) { try AdamW(restoring: adam.tensors(), step: 0) }

        // Nothing saved, but a step count past 0: the moments are missing.
        var empty = try AdamW(restoring: [:], step: 3)
        #expect(throws: OptimiserError.state("no moments for embed.token")) {
            try empty.update(&weights, gradients: weights, learningRate: 0.01)
        }
    }

    @Test func aMissingGradientChangesNothing() throws {
        let weights = tiled(tinyWeights(), [1, 2, 3])
        var updated = weights
        let other = ModelWeights.zeros(ModelConfig(width: 3, heads: 1, layers: 2, mlpWidth: 3, vocabularySize: 1,
                                                   maxLength: 1), .decoderOnly)
        var adam = AdamW()
        #expect(throws: OptimiserError.self) { try adam.update(&updated, gradients: other, learningRate: 0.1) }
        #expect(namedTensors(updated) == namedTensors(weights))
        #expect(adam.step == 0)
    }
}

@Suite struct ClippingTests {
    @Test func clipsToTheMaximumAndReturnsTheNormBefore() {
        var g = tiled(tinyWeights(), [3, 0, -4])
        let scalars = g.parameterCount
        let expected = (Float(scalars / 3) * 25).squareRoot()     // each triple has squares 9 + 0 + 16
        let before = clipGlobalNorm(&g, maxNorm: 1)
        #expect(abs(before - expected) < 1e-4)
        #expect(abs(globalNorm(g) - 1) < 1e-5)
        // Direction kept: every scalar scaled by the same factor.
        #expect(namedTensors(g)["embed.token"].map { abs($0.scalars[0] / $0.scalars[2] + 0.75) < 1e-6 } == true)
    }

    @Test func leavesSmallGradientsAlone() {
        var g = tiled(tinyWeights(), [0.001, 0, 0])
        let original = g
        let norm = clipGlobalNorm(&g, maxNorm: 1)
        #expect(norm < 1)
        #expect(namedTensors(g) == namedTensors(original))
    }
}

@Suite struct ScheduleTests {
    let schedule = LearningRateSchedule(peak: 1e-3, minimum: 1e-4, warmupSteps: 10, totalSteps: 110)

    @Test func warmsUpLinearlyToThePeak() {
        #expect(abs(schedule.rate(at: 0) - 1e-4) < 1e-9)
        #expect(abs(schedule.rate(at: 4) - 5e-4) < 1e-9)
        #expect(schedule.rate(at: 9) == 1e-3)
        #expect(schedule.rate(at: 10) == 1e-3)
    }

    @Test func decaysAlongACosineToTheMinimum() {
        #expect(abs(schedule.rate(at: 60) - 5.5e-4) < 1e-8)          // halfway: midway between peak and minimum
        #expect(abs(schedule.rate(at: 35) - (1e-4 + 9e-4 * Float(0.5 * (1 + cos(Double.pi / 4))))) < 1e-8)
        #expect(schedule.rate(at: 110) == 1e-4)
        #expect(schedule.rate(at: 5000) == 1e-4)
        let rates = (10...110).map(schedule.rate(at:))
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 >= $1 })
    }

    @Test func isAPureFunctionOfTheStep() {
        let once = (0..<120).map(schedule.rate(at:))
        let again = (0..<120).reversed().map(schedule.rate(at:)).reversed()
        #expect(once == Array(again))
        #expect(LearningRateSchedule.constant(3e-4).rate(at: 0) == 3e-4)
        #expect(LearningRateSchedule.constant(3e-4).rate(at: 1000) == 3e-4)
        #expect(schedule.problems.isEmpty)
        #expect(!LearningRateSchedule(peak: 1e-3, minimum: 1e-2, totalSteps: 10).problems.isEmpty)
    }
}
