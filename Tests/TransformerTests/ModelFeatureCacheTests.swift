import Testing
import TensorCore
@testable import Transformer

/// The KV cache, batches and hook listings with the new features: every new token must get its
/// absolute position (rotation, offset table row) and its key/value heads.
@Suite struct ModelFeatureCacheTests {
    /// BART's flavour at toy size: post-norm, learned positions read at offset 2 from tables of
    /// maxLength + 2 rows, the decoder with a position table and an embedding norm of its own, a
    /// scaled embedding, and a bias on the logits.
    static func bartLike() throws -> TransformerModel {
        var config = Preset.tiny.config()
        config.normPlacement = .post
        config.embeddingNorm = true
        config.activation = .geluExact
        config.positionOffset = 2
        config.embeddingScale = 8
        var model = try TransformerModel.random(.encoderDecoder, config, seed: 9)
        var rng = SeededGenerator(seed: 10)
        model.weights.decoderPositionEmbedding = rng.uniformTensor(shape: [config.maxLength + 2, config.width], std: 0.3)
        model.weights.decoderEmbeddingNorm = Norm(kind: .layerNorm, gamma: rng.uniformTensor(shape: [config.width], std: 1),
                                                  beta: rng.uniformTensor(shape: [config.width], std: 0.2), epsilon: 1e-5)
        model.weights.unembeddingBias = rng.uniformTensor(shape: [config.vocabularySize], std: 1)
        return model
    }

    @Test func stepByStepEqualsTheParallelPassForARotaryGroupedGatedDecoder() throws {
        let model = try TransformerModel.random(.decoderOnly, rotaryDecoderConfig(), seed: 4)
        let input = sampleInput(.decoderOnly)
        let difference = try model.forward(input).maxAbsDifference(stepByStepLogits(model, input: input))
        #expect(difference <= 1e-4, "\(difference)")
        var cache: KVCache? = KVCache(for: model.config)
        _ = try model.decode(decoderIDs, memory: nil, cache: &cache)
        #expect(cache?.layerShape == [2, decoderIDs.count, 2, 8])   // 2 key/value heads of 8
        #expect(cache?.bytesPerLayer == 2 * decoderIDs.count * 16 * 4)
    }

    @Test func stepByStepEqualsTheParallelPassForABARTLikeModel() throws {
        let model = try Self.bartLike()
        let input = sampleInput(.encoderDecoder)
        let difference = try model.forward(input).maxAbsDifference(stepByStepLogits(model, input: input))
        #expect(difference <= 1e-4, "\(difference)")
        // The decoder's own table is what it reads, at the offset: shifting the table by the offset
        // and dropping the offset gives the same model; the shared table does not touch the decoder.
        var shifted = model
        var config = model.config
        config.positionOffset = 0
        shifted = try TransformerModel(architecture: .encoderDecoder, config: config, weights: model.weights)
        let table = try #require(model.weights.decoderPositionEmbedding), shared = try #require(model.weights.positionEmbedding)
        shifted.weights.decoderPositionEmbedding = table.rows(2..<table.shape[0])
        shifted.weights.positionEmbedding = shared.rows(2..<shared.shape[0])
        #expect(try shifted.forward(input) == model.forward(input))
        var unshifted = model
        unshifted.weights.positionEmbedding = try #require(model.weights.decoderPositionEmbedding)
        #expect(try unshifted.forward(input).maxAbsDifference(model.forward(input)) > 1e-3)
    }

    /// A batch gives every sequence the same positions: each sequence's output equals its own pass.
    @Test func batchesEqualSinglePassesWithTheNewFeatures() throws {
        let models = [try TransformerModel.random(.decoderOnly, rotaryDecoderConfig(), seed: 4), try Self.bartLike()]
        for model in models {
            let short = ModelInput(encoder: model.architecture == .encoderDecoder ? [2, 40, 3] : nil, decoder: [5, 60])
            let inputs = [sampleInput(model.architecture), short]
            let batch = try model.forward(batch: inputs)
            for (b, input) in inputs.enumerated() {
                let difference = try batch[b].maxAbsDifference(model.forward(input))
                #expect(difference <= 1e-4, "\(model.architecture) sequence \(b): \(difference)")
            }
        }
    }

    /// The listing is exactly what a tracer at `*` records, for the new shapes too.
    @Test func hookListingEqualsWhatATracerRecords() throws {
        var headless = try TransformerModel.random(.encoderOnly, rotaryDecoderConfig(), seed: 1)
        headless = try TransformerModel(architecture: .encoderOnly, config: { var c = headless.config; c.hasHead = false; return c }(),
                                        weights: headless.weights)
        var grouped = Preset.nano.config()   // 2 heads → 1 key/value head, of width 12 (≠ 16 / 2)
        grouped.kvHeads = 1
        grouped.headWidth = 12
        grouped.gatedMLP = true
        let models = [try TransformerModel.random(.decoderOnly, rotaryDecoderConfig(), seed: 1), try Self.bartLike(), headless,
                      try TransformerModel.random(.encoderDecoder, grouped, seed: 1)]
        for model in models {
            let input = sampleInput(model.architecture)
            let tracer = Tracer()
            _ = try model.forward(input, pass: Pass(hooks: .recording(tracer, pattern: "*")))
            let listed = model.hookPoints(encoderTokens: input.encoder?.count ?? 0, decoderTokens: input.decoder?.count ?? 0)
            #expect(listed.map(\.name) == tracer.recordings.map(\.name), "\(model.architecture)")
            #expect(listed.map(\.shape) == tracer.recordings.map(\.tensor.shape), "\(model.architecture)")
        }
        // The rotary decoder's k and v have 2 heads, its q 4; BART's decoder has its own embedding norm.
        let listed = models[0].hookPoints(encoderTokens: 0, decoderTokens: 7)
        #expect(listed.first { $0.name == "decoder.0.self_attn.k" }?.shape == [2, 7, 8])
        #expect(listed.first { $0.name == "decoder.0.self_attn.q" }?.shape == [4, 7, 8])
        #expect(models[1].hookPoints(encoderTokens: 9, decoderTokens: 7).contains { $0.name == "decoder.embed_norm.out" })
        #expect(models[3].hookPoints(encoderTokens: 9, decoderTokens: 7).first { $0.name == "decoder.1.cross_attn.v" }?.shape == [1, 9, 12])
    }
}
