import Foundation
import Testing
import TensorCore
@testable import Transformer

/// The features real Hugging Face model types need (grouped-query attention, set head widths, gated
/// MLPs, SiLU, position offsets, embedding scales, headless models, checkpoint extras), each
/// against what it means.
@Suite struct ModelFeatureTests {
    /// Grouped-query attention is multi-head attention whose key/value heads repeat: a model with 2
    /// key/value heads for 4 query heads equals one with 4 whose k and v rows repeat each group's.
    @Test(arguments: Architecture.allCases)
    func groupedQueryAttentionEqualsRepeatedKeyValueHeads(architecture: Architecture) throws {
        var grouped = Preset.tiny.config()   // 4 heads of 16
        grouped.kvHeads = 2
        let small = try TransformerModel.random(architecture, grouped, seed: 8)
        var full = grouped
        full.kvHeads = 4
        var wide = try TransformerModel.random(architecture, full, seed: 0)
        let dh = grouped.headWidth
        /// [2·dₕ, d] → [4·dₕ, d]: query head h reads key/value head h / 2.
        func repeated(_ linear: Linear) -> Linear {
            let d = linear.weight.shape[1]
            var weight: [Float] = [], bias: [Float] = []
            for h in 0..<4 {
                let g = h / 2
                weight += linear.weight.scalars[(g * dh * d)..<((g + 1) * dh * d)]
                if let b = linear.bias { bias += b.scalars[(g * dh)..<((g + 1) * dh)] }
            }
            return Linear(weight: Tensor(shape: [4 * dh, d], scalars: weight),
                          bias: linear.bias == nil ? nil : Tensor(shape: [4 * dh], scalars: bias))
        }
        func widened(_ a: AttentionWeights) -> AttentionWeights {
            var a = a
            a.key = repeated(a.key)
            a.value = repeated(a.value)
            return a
        }
        var weights = small.weights
        for stack in [\ModelWeights.encoder, \ModelWeights.decoder] {
            guard var s = weights[keyPath: stack] else { continue }
            for l in s.blocks.indices {
                s.blocks[l].selfAttention = widened(s.blocks[l].selfAttention)
                s.blocks[l].crossAttention = s.blocks[l].crossAttention.map(widened)
            }
            weights[keyPath: stack] = s
        }
        wide.weights = weights
        #expect(wide.weights.parameterShapes.map(\.shape) == ModelWeights.zeros(full, architecture).parameterShapes.map(\.shape))
        let input = sampleInput(architecture)
        let difference = try small.forward(input).maxAbsDifference(wide.forward(input))
        #expect(difference <= 1e-5, "\(architecture): \(difference)")
        // Not the same model as an ungrouped one from the same seed: the grouping matters.
        let plain = try TransformerModel.random(architecture, Preset.tiny.config(), seed: 8)
        #expect(try small.forward(input).maxAbsDifference(plain.forward(input)) > 1e-3)
    }

    /// down(silu(gate·h) ⊙ (up·h)) + biases, worked out by hand in Double from the weights and the
    /// MLP's input, agrees with the MLP's output and its two hidden hooks.
    @Test func gatedSiLUMLPMatchesAHandComputation() throws {
        var config = Preset.nano.config()
        config.gatedMLP = true
        config.activation = .silu
        let model = try TransformerModel.random(.decoderOnly, config, seed: 6)
        var mlp = try #require(model.weights.decoder?.blocks[1].mlp)
        var rng = SeededGenerator(seed: 12)   // non-zero biases, so that they are checked too
        for keyPath in [\MLPWeights.up, \MLPWeights.down] { mlp[keyPath: keyPath].bias = rng.uniformTensor(shape: [mlp[keyPath: keyPath].weight.shape[0]], std: 0.5) }
        mlp.gate?.bias = rng.uniformTensor(shape: [config.mlpWidth], std: 0.5)
        var changed = model
        changed.weights.decoder?.blocks[1].mlp = mlp
        let tracer = Tracer()
        _ = try changed.forward(sampleInput(.decoderOnly), pass: Pass(hooks: .recording(tracer, pattern: "decoder.1.mlp*")))
        let h = try #require(tracer["decoder.1.mlp_norm.out"]).tensor
        let gate = try #require(mlp.gate)
        let (t, d, f) = (h.shape[0], config.width, config.mlpWidth)
        func project(_ l: Linear, _ x: [Double], row: Int) -> Double {
            var sum = Double(l.bias?.scalars[row] ?? 0)
            for c in x.indices { sum += Double(l.weight[row, c]) * x[c] }
            return sum
        }
        var worst = 0.0, worstPre = 0.0, worstPost = 0.0
        for i in 0..<t {
            let x = (0..<d).map { Double(h[i, $0]) }
            let pre = (0..<f).map { project(gate, x, row: $0) }
            let hidden = (0..<f).map { j in pre[j] / (1 + exp(-pre[j])) * project(mlp.up, x, row: j) }
            for j in 0..<f {
                worstPre = max(worstPre, abs(pre[j] - Double(try #require(tracer["decoder.1.mlp.pre"]).tensor[i, j])))
                worstPost = max(worstPost, abs(hidden[j] - Double(try #require(tracer["decoder.1.mlp.post"]).tensor[i, j])))
            }
            for r in 0..<d {
                worst = max(worst, abs(project(mlp.down, hidden, row: r) - Double(try #require(tracer["decoder.1.mlp.out"]).tensor[i, r])))
            }
        }
        #expect(worstPre < 1e-5 && worstPost < 1e-5 && worst < 1e-5, "pre \(worstPre), post \(worstPost), out \(worst)")
    }

    /// T5's heads·d_kv ≠ d_model: q is [H, T, d_kv], z [T, H·d_kv], the output projection maps it
    /// back to the width, and the patterns are still softmaxes.
    @Test(arguments: Architecture.allCases)
    func aHeadWidthApartFromWidthOverHeadsRuns(architecture: Architecture) throws {
        let config = ModelConfig(width: 20, heads: 3, layers: 2, mlpWidth: 40, vocabularySize: 100, maxLength: 32,
                                 normKind: .rmsNorm, positions: .relativeBias(buckets: 8, maxDistance: 16),
                                 scoreScaling: .none, activation: .relu, biases: false, headWidth: 8)
        #expect(config.problems.isEmpty, "\(config.problems)")
        let model = try TransformerModel.random(architecture, config, seed: 2)
        #expect(model.weights.named["\(architecture.stacks[0].rawValue).0.self_attn.o.weight"]?.shape == [20, 24])
        let tracer = Tracer()
        let input = sampleInput(architecture)
        let logits = try model.forward(input, pass: Pass(hooks: .recording(tracer, pattern: "*")))
        #expect(logits.shape == [architecture == .encoderOnly ? encoderIDs.count : decoderIDs.count, 100])
        let patterns = tracer.recordings.filter { $0.name.hasSuffix(".pattern") }
        #expect(!patterns.isEmpty)
        for recording in patterns {
            let p = recording.tensor
            for row in 0..<(p.count / p.shape[2]) {
                let sum = p.scalars[(row * p.shape[2])..<((row + 1) * p.shape[2])].reduce(0, +)
                #expect(abs(sum - 1) < 1e-5, "\(recording.name) row \(row) sums to \(sum)")
            }
        }
        for recording in tracer.recordings where recording.name.hasSuffix("attn.q") { #expect(recording.tensor.shape[0] == 3 && recording.tensor.shape[2] == 8) }
        for recording in tracer.recordings where recording.name.hasSuffix("attn.z") { #expect(recording.tensor.shape[1] == 24) }
    }

    @Test func shapesThatCannotWorkAreProblems() {
        var c = Preset.tiny.config()   // width 64, 4 heads
        c.heads = 5
        #expect(c.problems.contains { $0.contains("not divisible by 5 heads") })
        c.headWidth = 16                // 5 heads of 16 in a width of 64: fine once the head width is given
        #expect(c.problems.isEmpty)
        c.kvHeads = 2
        #expect(c.problems.contains { $0.contains("5 heads are not divisible by 2 key/value heads") })
        var rotary = Preset.tiny.config()
        rotary.positions = .rotary(base: 10_000, scaling: nil)
        rotary.headWidth = 15
        #expect(rotary.problems.contains { $0.contains("even head width") })
        var tiny = Preset.tiny.config()
        tiny.heads = 8                 // the derived head width and key/value heads follow heads
        #expect(tiny.headWidth == 8 && tiny.kvHeads == 8 && tiny.problems.isEmpty)
    }

    /// A bare encoder (BertModel) hands back its hidden states and has no `logits` point.
    @Test func aModelWithoutAHeadReturnsHiddenStates() throws {
        var config = Preset.tiny.config()
        config.hasHead = false
        config.normPlacement = .post
        config.embeddingNorm = true
        let model = try TransformerModel.random(.encoderOnly, config, seed: 3)
        let tracer = Tracer()
        let out = try model.forward(sampleInput(.encoderOnly), pass: Pass(hooks: .recording(tracer, pattern: "*")))
        #expect(out.shape == [encoderIDs.count, config.width])
        #expect(out == (try #require(tracer["encoder.1.resid_post"])).tensor)
        let listed = model.hookPoints(encoderTokens: encoderIDs.count, decoderTokens: 0)
        #expect(!listed.contains { $0.name == "logits" } && tracer["logits"] == nil)
        #expect(listed.map(\.name) == tracer.recordings.map(\.name))
        let batch = try model.forward(batch: [sampleInput(.encoderOnly), ModelInput(encoder: [2, 40, 3])])
        #expect(batch.map(\.shape) == [[encoderIDs.count, config.width], [3, config.width]])
        #expect(batch[0].maxAbsDifference(out) <= 1e-5)
        #expect(ModelCount(.encoderOnly, config, encoderTokens: 9, decoderTokens: 0).parameters == model.weights.parameterCount)
        // A headless decoder: step by step through the cache gives the same hidden states; no generation.
        let decoder = try TransformerModel.random(.decoderOnly, config, seed: 3)
        let input = sampleInput(.decoderOnly)
        #expect(try decoder.forward(input).maxAbsDifference(stepByStepLogits(decoder, input: input)) <= 1e-4)
        #expect(throws: ModelError.self) { try generateGreedy(decoder, input: input, steps: 2, cached: true) }
    }

    /// Qwen2 has q, k, v biases but no others: biases added to single linears after `zeros` are
    /// listed, required by `load` and used.
    @Test func biasesOnSingleLinearsAreLoadedAndUsed() throws {
        var weights = ModelWeights.zeros(rotaryDecoderConfig(), .decoderOnly)
        for l in 0..<2 {
            weights.decoder?.blocks[l].selfAttention.query.bias = Tensor(zeros: [32])
            weights.decoder?.blocks[l].selfAttention.key.bias = Tensor(zeros: [16])
            weights.decoder?.blocks[l].selfAttention.value.bias = Tensor(zeros: [16])
        }
        let shapes = Dictionary(uniqueKeysWithValues: weights.parameterShapes.map { ($0.name, $0.shape) })
        #expect(shapes["decoder.1.self_attn.k.bias"] == [16] && shapes["decoder.1.self_attn.o.bias"] == nil)
        #expect(shapes["decoder.0.mlp.gate.weight"] == [48, 32] && shapes["decoder.0.mlp.up.bias"] == nil)
        var given = ModelWeights.random(rotaryDecoderConfig(), .decoderOnly, seed: 1).named
        #expect(throws: ModelError.self) { try weights.load(given) }   // the biases are missing
        for l in 0..<2 { given["decoder.\(l).self_attn.v.bias"] = Tensor(repeating: 0.5, shape: [16]) }
        for l in 0..<2 { given["decoder.\(l).self_attn.q.bias"] = Tensor(zeros: [32]); given["decoder.\(l).self_attn.k.bias"] = Tensor(zeros: [16]) }
        try weights.load(given)
        let withBias = try TransformerModel(architecture: .decoderOnly, config: rotaryDecoderConfig(), weights: weights)
        let without = try TransformerModel.random(.decoderOnly, rotaryDecoderConfig(), seed: 1)
        let input = sampleInput(.decoderOnly)
        #expect(try withBias.forward(input).maxAbsDifference(without.forward(input)) > 1e-3)
    }

    /// Every new feature is refused by the backward pass in one line naming it; the toy flavour trains.
    @Test func trainingRefusesWhatItCannotDifferentiate() throws {
        let labels = [decoderIDs.map { _ in 1 }]
        var cases: [(String, ModelConfig, (inout ModelWeights) -> Void)] = []
        let base = Preset.nano.config()
        func variant(_ what: String, _ change: (inout ModelConfig) -> Void, weights: @escaping (inout ModelWeights) -> Void = { _ in }) {
            var c = base
            change(&c)
            cases.append((what, c, weights))
        }
        variant("key/value heads", { $0.kvHeads = 1 })
        variant("heads of width", { $0.headWidth = 4 })
        variant("gated MLP", { $0.gatedMLP = true })
        variant("silu", { $0.activation = .silu })
        variant("rotary positions", { $0.positions = .rotary(base: 10_000, scaling: nil) })
        variant("position offset", { $0.positionOffset = 2 })
        variant("embedding scale", { $0.embeddingScale = 4 })
        variant("no head", { $0.hasHead = false })
        variant("token type", { _ in }, weights: { $0.tokenTypeEmbedding = Tensor(zeros: [2, 16]) })
        variant("decoder position table", { _ in }, weights: { $0.decoderPositionEmbedding = Tensor(zeros: [64, 16]) })
        variant("decoder embedding norm", { _ in }, weights: { $0.decoderEmbeddingNorm = $0.decoder?.blocks[0].mlpNorm })
        variant("head transform", { _ in }, weights: {
            $0.headTransform = HeadTransform(dense: Linear(weight: Tensor(zeros: [16, 16]), bias: nil), activation: .geluExact,
                                             norm: Norm(kind: .layerNorm, gamma: Tensor(repeating: 1, shape: [16]), beta: nil, epsilon: 1e-5))
        })
        variant("unembedding bias", { _ in }, weights: { $0.unembeddingBias = Tensor(zeros: [base.vocabularySize]) })
        for (what, config, change) in cases {
            var model = try TransformerModel.random(.decoderOnly, config, seed: 1)
            change(&model.weights)
            _ = try model.forward(sampleInput(.decoderOnly))   // the forward pass runs
            do {
                _ = try model.lossAndGradients(batch: [sampleInput(.decoderOnly)], labels: labels)
                Issue.record("\(what): training did not refuse")
            } catch let error as ModelError {
                let line = error.description
                #expect(line.hasPrefix("training supports") && line.contains(what) && !line.contains("\n"), "\(what): \(line)")
            }
        }
        let plain = try TransformerModel.random(.decoderOnly, base, seed: 1)
        #expect(plain.trainingUnsupportedFeatures.isEmpty)
        _ = try plain.lossAndGradients(batch: [sampleInput(.decoderOnly)], labels: labels)
    }

    /// config.json keeps the new fields (and writes none of them for a model that uses none).
    @Test func configFilesKeepTheNewFields() throws {
        var bart = Preset.tiny.config()
        bart.positionOffset = 2
        bart.embeddingScale = 8
        bart.hasHead = false
        var t5 = Preset.tiny.config()
        t5.headWidth = 8
        t5.gatedMLP = true
        for config in [rotaryDecoderConfig(), bart, t5] {
            let file = ConfigFile(architecture: .encoderDecoder, config: config)
            #expect(try ConfigFile(json: file.json()) == file)
        }
        let plain = String(decoding: try ConfigFile(architecture: .decoderOnly, config: Preset.tiny.config()).json(), as: UTF8.self)
        #expect(!plain.contains("kv_heads") && !plain.contains("has_head") && !plain.contains("gated"))
    }
}

/// The new shapes whose parameters and FLOPs `ModelCount` must count exactly (MaskAndInputTests
/// checks them with the toy configurations): rotary + GQA + gated SiLU, a T5 v1.1 whose heads are
/// wider together than the stream, and BART's offset positions and embedding scale.
func newShapeConfigs() -> [ModelConfig] {
    var t5 = ModelConfig(width: 20, heads: 3, layers: 2, mlpWidth: 40, vocabularySize: 100, maxLength: 32,
                         normKind: .rmsNorm, positions: .relativeBias(buckets: 8, maxDistance: 16), scoreScaling: .none,
                         activation: .geluTanh, biases: false, tiedEmbeddings: false, headWidth: 8, gatedMLP: true)
    t5.kvHeads = 3
    var bart = Preset.tiny.config()
    bart.positionOffset = 2
    bart.embeddingScale = 8
    return [rotaryDecoderConfig(), t5, bart]
}
