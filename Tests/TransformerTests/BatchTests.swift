import Testing
import TensorCore
@testable import Transformer

@Suite struct BatchTests {
    /// Three inputs of different lengths in both stacks; the longest encoder input is not the
    /// longest decoder input.
    func inputs(_ architecture: Architecture) -> [ModelInput] {
        let encoders = [Array(encoderIDs.prefix(4)), encoderIDs, [7, 8]]
        let decoders = [decoderIDs, [5, 70], Array(decoderIDs.prefix(5))]
        return (0..<3).map { b in
            switch architecture {
            case .encoderOnly: ModelInput(encoder: encoders[b])
            case .decoderOnly: ModelInput(decoder: decoders[b])
            case .encoderDecoder: ModelInput(encoder: encoders[b], decoder: decoders[b])
            }
        }
    }

    func configs() -> [ModelConfig] {
        var t5Like = Preset.tiny.config()
        t5Like.positions = .relativeBias(buckets: 8, maxDistance: 16)
        t5Like.normPlacement = .post
        return [Preset.tiny.config(), t5Like]
    }

    @Test(arguments: Architecture.allCases)
    func eachSequenceMatchesItsOwnForwardPass(architecture: Architecture) throws {
        for config in configs() {
            let model = try TransformerModel.random(architecture, config, seed: 5)
            let batch = inputs(architecture)
            let batched = try model.forward(batch: batch)
            #expect(batched.count == batch.count)
            for (b, input) in batch.enumerated() {
                let alone = try model.forward(input)
                #expect(batched[b].shape == alone.shape)
                #expect(batched[b].maxAbsDifference(alone) <= 1e-5, "\(architecture) sequence \(b): \(batched[b].maxAbsDifference(alone))")
            }
        }
    }

    @Test(arguments: Architecture.allCases)
    func paddedKeysGetExactlyZeroWeight(architecture: Architecture) throws {
        let model = try tinyModel(architecture)
        let batch = inputs(architecture)
        let pass = Pass(saving: true)
        _ = try model.forward(batch: batch, pass: pass)
        let heads = model.config.heads
        for stack in architecture.stacks {
            for layer in try #require(pass.saved[stack]) {
                var sites = [(layer.selfAttention, batch.map { $0.tokens(stack)?.count ?? 0 })]
                if let cross = layer.crossAttention { sites.append((cross, batch.map { $0.encoder?.count ?? 0 })) }
                for (saved, keyLengths) in sites {
                    let (tq, tk) = (saved.pattern.shape[1], saved.pattern.shape[2])
                    #expect(saved.pattern.shape[0] == batch.count * heads)
                    for b in batch.indices {
                        for h in 0..<heads {
                            for i in 0..<tq {
                                for j in keyLengths[b]..<tk { #expect(saved.pattern[b * heads + h, i, j] == 0) }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func hooksSeeEachSequenceUnpaddedAndCanReplaceIt() throws {
        let model = try tinyModel(.encoderDecoder)
        let batch = inputs(.encoderDecoder)
        var hooks = Hooks()
        // Ablating head 0 of sequence 1's first cross-attention changes that sequence only.
        hooks.add("decoder.0.cross_attn.pattern") { context, pattern in
            guard context.sequence == 1 else { return nil }
            var out = pattern
            for i in 0..<pattern.shape[1] { for j in 0..<pattern.shape[2] { out[0, i, j] = 0 } }
            return out
        }
        let plain = try model.forward(batch: batch)
        let ablated = try model.forward(batch: batch, pass: Pass(hooks: hooks))
        #expect(ablated[0].maxAbsDifference(plain[0]) == 0 && ablated[2].maxAbsDifference(plain[2]) == 0)
        #expect(ablated[1].maxAbsDifference(plain[1]) > 1e-4)

        // Every sequence fires every hook point with the shapes its own forward pass lists.
        let tracer = Tracer()
        _ = try model.forward(batch: batch, pass: Pass(hooks: .recording(tracer, pattern: "*")))
        for (b, input) in batch.enumerated() {
            let mine = tracer.recordings.filter { $0.context.sequence == b }
            let listed = model.hookPoints(encoderTokens: input.encoder?.count ?? 0, decoderTokens: input.decoder?.count ?? 0)
            #expect(mine.map(\.name) == listed.map(\.name))
            #expect(mine.map(\.tensor.shape) == listed.map(\.shape))
            let alone = Tracer()
            _ = try model.forward(input, pass: Pass(hooks: .recording(alone, pattern: "*.pattern")))
            for recording in alone.recordings {
                let batched = try #require(mine.last { $0.name == recording.name })
                #expect(batched.tensor.maxAbsDifference(recording.tensor) <= 1e-5, "\(recording.name) sequence \(b)")
                #expect(batched.context.rowPositions == recording.context.rowPositions)
            }
        }
    }

    @Test func anEmptyBatchIsAnError() throws {
        #expect(throws: ModelError.emptyBatch) { try tinyModel(.decoderOnly).forward(batch: []) }
    }
}
