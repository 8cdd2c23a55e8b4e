import Foundation
import Testing
import TensorCore
@testable import Transformer

/// A tiny model of each architecture with seeded random weights, and inputs long enough to matter.
func tinyModel(_ architecture: Architecture, seed: UInt64 = 1) throws -> TransformerModel {
    try TransformerModel.random(architecture, Preset.tiny.config(), seed: seed)
}

let encoderIDs = [2, 40, 41, 42, 43, 44, 45, 46, 3]
let decoderIDs = [5, 60, 61, 62, 63, 64, 65]

func sampleInput(_ architecture: Architecture) -> ModelInput {
    switch architecture {
    case .encoderOnly: ModelInput(encoder: encoderIDs)
    case .decoderOnly: ModelInput(decoder: decoderIDs)
    case .encoderDecoder: ModelInput(encoder: encoderIDs, decoder: decoderIDs)
    }
}

@Suite struct PatternTests {
    @Test(arguments: Architecture.allCases)
    func rowsSumToOneAndBlockedCellsAreExactlyZero(architecture: Architecture) throws {
        let model = try tinyModel(architecture)
        let tracer = Tracer()
        var hooks = Hooks()
        tracer.attach(to: &hooks, pattern: "*.pattern,*.mask")
        _ = try model.forward(sampleInput(architecture), pass: Pass(hooks: hooks))
        let patterns = tracer.recordings.filter { $0.name.hasSuffix(".pattern") }
        #expect(patterns.count == model.config.layers * (architecture == .encoderDecoder ? 3 : 1))
        for pattern in patterns {
            let mask = try #require(tracer[pattern.name.replacingOccurrences(of: ".pattern", with: ".mask")]).tensor
            let (heads, tq, tk) = (pattern.tensor.shape[0], pattern.tensor.shape[1], pattern.tensor.shape[2])
            #expect(mask.shape == [tq, tk])
            for h in 0..<heads {
                for i in 0..<tq {
                    var sum: Float = 0
                    for j in 0..<tk {
                        let p = pattern.tensor[h, i, j]
                        if mask[i, j] == 0 { #expect(p == 0, "\(pattern.name) [\(h), \(i), \(j)] blocked but \(p)") }
                        if pattern.name.contains("decoder") && pattern.name.contains("self_attn") && j > i {
                            #expect(p == 0 && mask[i, j] == 0, "decoder upper triangle at \(i), \(j)")
                        }
                        sum += p
                    }
                    #expect(abs(sum - 1) <= 1e-5, "\(pattern.name) head \(h) row \(i) sums to \(sum)")
                }
            }
        }
    }

    @Test func crossAttentionIsDecoderTokensByEncoderTokens() throws {
        let model = try tinyModel(.encoderDecoder)
        let tracer = Tracer()
        _ = try model.forward(sampleInput(.encoderDecoder), pass: Pass(hooks: .recording(tracer, pattern: "*cross_attn.pattern")))
        #expect(tracer.recordings.count == model.config.layers)
        for recording in tracer.recordings {
            #expect(recording.tensor.shape == [model.config.heads, decoderIDs.count, encoderIDs.count])
            #expect(recording.rowLabels.count == decoderIDs.count)
            #expect(recording.columnLabels?.count == encoderIDs.count)
        }
    }

    @Test func encoderPatternHasNoBlockedCell() throws {
        let model = try tinyModel(.encoderOnly)
        let tracer = Tracer()
        _ = try model.forward(sampleInput(.encoderOnly), pass: Pass(hooks: .recording(tracer, pattern: "encoder.*.pattern")))
        for recording in tracer.recordings { #expect(!recording.tensor.scalars.contains(0)) }
    }
}

@Suite struct CausalityTests {
    /// Changing token j must leave a decoder's logits at every position before j bit-for-bit as
    /// they were, and must change an encoder's logits everywhere.
    @Test func decoderIgnoresTheFutureEncoderDoesNot() throws {
        let j = 4
        for architecture in Architecture.allCases {
            let model = try tinyModel(architecture)
            var changed = sampleInput(architecture)
            if architecture == .encoderOnly { changed.encoder![j] = 100 } else { changed.decoder![j] = 100 }
            let before = try model.forward(sampleInput(architecture))
            let after = try model.forward(changed)
            let rows = before.shape[0]
            for position in 0..<rows {
                let same = before.row(position) == after.row(position)
                if architecture == .encoderOnly || position >= j {
                    #expect(!same, "\(architecture) position \(position) did not move")
                } else {
                    #expect(same, "\(architecture) position \(position) < \(j) moved")
                }
            }
        }
    }

    @Test func sameWeightsDifferOnlyByTheMask() throws {
        // Built from one seed, the encoder-only and decoder-only toy models hold the same numbers;
        // give the encoder a causal mask and the two compute the same function.
        var encoder = try tinyModel(.encoderOnly)
        let decoder = try tinyModel(.decoderOnly)
        encoder.selfAttentionRules[.encoder] = causal()
        let a = try encoder.forward(ModelInput(encoder: decoderIDs))
        let b = try decoder.forward(ModelInput(decoder: decoderIDs))
        #expect(a == b)
    }
}

@Suite struct TeacherForcingTests {
    @Test(arguments: [Architecture.decoderOnly, .encoderDecoder])
    func parallelLogitsEqualStepByStepWithCache(architecture: Architecture) throws {
        let model = try tinyModel(architecture)
        let input = sampleInput(architecture)
        let parallel = try model.forward(input)
        let sequential = try stepByStepLogits(model, input: input)
        #expect(parallel.shape == sequential.shape)
        #expect(parallel.maxAbsDifference(sequential) <= 1e-4, "max |Δ| \(parallel.maxAbsDifference(sequential))")
    }

    @Test(arguments: [Architecture.decoderOnly, .encoderDecoder])
    func cachedAndUncachedGreedyGiveTheSameTokens(architecture: Architecture) throws {
        let model = try tinyModel(architecture)
        var input = sampleInput(architecture)
        input.decoder = [5, 60]
        var cacheLengths: [Int] = []
        let cached = try generateGreedy(model, input: input, steps: 12, cached: true,
                                        observe: { cacheLengths.append($0.cache?.length ?? -1) })
        let uncached = try generateGreedy(model, input: input, steps: 12, cached: false)
        #expect(cached.count == 12)
        #expect(cached == uncached)
        #expect(cacheLengths == Array(2...13))   // the prompt's 2 rows, then one more per step
    }

    @Test func crossKeysAndValuesAreComputedOnce() throws {
        let model = try tinyModel(.encoderDecoder)
        var crossKeyCalls = 0
        var hooks = Hooks()
        hooks.add("decoder.0.cross_attn.k") { _, _ in crossKeyCalls += 1; return nil }
        _ = try generateGreedy(model, input: ModelInput(encoder: encoderIDs, decoder: [5]), steps: 5, cached: true,
                               pass: { _ in Pass(hooks: hooks) })
        #expect(crossKeyCalls == 1)
    }
}

@Suite struct HookTests {
    @Test func identityHookChangesNothingAndZeroedHeadChangesOutput() throws {
        let model = try tinyModel(.decoderOnly)
        let input = sampleInput(.decoderOnly)
        let plain = try model.forward(input)

        var identity = Hooks()
        identity.add("*") { _, tensor in tensor }
        #expect(try model.forward(input, pass: Pass(hooks: identity)) == plain)

        var ablate = Hooks()
        ablate.add("decoder.0.self_attn.pattern") { _, pattern in
            var zeroed = pattern
            let size = pattern.shape[1] * pattern.shape[2]
            for i in (2 * size)..<(3 * size) { zeroed.scalars[i] = 0 }   // head 2
            return zeroed
        }
        #expect(try model.forward(input, pass: Pass(hooks: ablate)).maxAbsDifference(plain) > 1e-3)
    }

    @Test func everyDocumentedHookPointFiresWithItsShape() throws {
        let model = try tinyModel(.encoderDecoder)
        let (H, d, S, T) = (model.config.heads, model.config.width, encoderIDs.count, decoderIDs.count)
        let tracer = Tracer()
        _ = try model.forward(sampleInput(.encoderDecoder), pass: Pass(hooks: .recording(tracer, pattern: "*")))
        let expected: [String: [Int]] = [
            "encoder.embed": [S, d], "decoder.embed": [T, d],
            "encoder.1.resid_pre": [S, d], "encoder.1.resid_mid": [S, d], "encoder.1.resid_post": [S, d],
            "encoder.0.self_attn.q": [H, S, d / H], "encoder.0.self_attn.scores": [H, S, S],
            "encoder.0.self_attn.mask": [S, S], "encoder.0.self_attn.pattern": [H, S, S],
            "encoder.0.self_attn.z": [S, d], "encoder.0.self_attn.out": [S, d], "encoder.0.mlp.out": [S, d],
            "encoder.1.mlp.pre": [S, model.config.mlpWidth], "decoder.0.mlp.post": [T, model.config.mlpWidth],
            "decoder.1.self_attn.pattern": [H, T, T], "decoder.1.cross_attn.q": [H, T, d / H],
            "decoder.1.cross_attn.k": [H, S, d / H], "decoder.1.cross_attn.scores": [H, T, S],
            "decoder.1.cross_attn.mask": [T, S], "decoder.1.cross_attn.pattern": [H, T, S],
            "logits": [T, model.config.vocabularySize],
        ]
        for (name, shape) in expected {
            #expect(tracer[name]?.tensor.shape == shape, "\(name)")
        }
    }

    @Test func hookReturningTheWrongShapeIsAnError() throws {
        let model = try tinyModel(.decoderOnly)
        var hooks = Hooks()
        hooks.add("decoder.0.self_attn.pattern") { _, _ in Tensor(zeros: [1]) }
        #expect(throws: ModelError.self) { try model.forward(sampleInput(.decoderOnly), pass: Pass(hooks: hooks)) }
    }

    @Test func patternsMatchGlobs() {
        let pattern = NamePattern("decoder.*.cross_attn.*, logits")
        #expect(pattern.matches("decoder.3.cross_attn.pattern"))
        #expect(pattern.matches("logits"))
        #expect(!pattern.matches("decoder.3.self_attn.pattern"))
        #expect(!pattern.matches("encoder.0.cross_attn.pattern"))
        #expect(NamePattern("*.pattern").matches("encoder.0.self_attn.pattern"))
        #expect(!NamePattern("*.pattern").matches("encoder.0.self_attn.scores"))
    }
}

@Suite struct PositionSchemeTests {
    /// Teacher forcing holds whatever the position scheme: the cache path must give every new
    /// token its absolute position (learned, sinusoidal) or its distances (T5's relative bias).
    @Test(arguments: [PositionScheme.learned, .sinusoidal, .relativeBias(buckets: 8, maxDistance: 16)])
    func parallelEqualsStepByStepForEveryPositionScheme(positions: PositionScheme) throws {
        var config = Preset.tiny.config()
        config.positions = positions
        for architecture in [Architecture.decoderOnly, .encoderDecoder] {
            let model = try TransformerModel.random(architecture, config, seed: 4)
            let input = sampleInput(architecture)
            let difference = try model.forward(input).maxAbsDifference(stepByStepLogits(model, input: input))
            #expect(difference <= 1e-4, "\(positions.name) \(architecture): \(difference)")
        }
    }

    @Test func sinusoidalPositionsFollowTheFormula() {
        let table = sinusoidalPositions(3..<5, width: 6)
        for (row, p) in [3, 4].enumerated() {
            for i in stride(from: 0, to: 6, by: 2) {
                let angle = Double(p) / pow(10_000, Double(i) / 6)
                #expect(abs(Double(table[row, i]) - sin(angle)) < 1e-6)
                #expect(abs(Double(table[row, i + 1]) - cos(angle)) < 1e-6)
            }
        }
    }
}
