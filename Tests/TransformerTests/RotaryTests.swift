import Foundation
import Testing
import TensorCore
@testable import Transformer

/// Rotary position embedding: relative by construction, and Hugging Face's arithmetic to float32
/// rounding (Fixtures/make_rope.py, numpy, cross-checked there against transformers).
@Suite struct RotaryTests {
    static let llama3 = RotaryScaling.llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalMaxPositions: 8192)

    /// q·k after rotating q to position i and k to position j depends on i − j only.
    @Test(arguments: [nil, Self.llama3])
    func scoresDependOnTheDistanceOnly(scaling: RotaryScaling?) {
        let dh = 16
        var rng = SeededGenerator(seed: 3)
        let q = rng.uniformTensor(shape: [1, dh], std: 1), k = rng.uniformTensor(shape: [1, dh], std: 1)
        func score(_ i: Int, _ j: Int) -> Float {
            let rq = rotaryEmbedding(q, heads: 1, positions: i..<(i + 1), base: 10_000, scaling: scaling)
            let rk = rotaryEmbedding(k, heads: 1, positions: j..<(j + 1), base: 10_000, scaling: scaling)
            return zip(rq.scalars, rk.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        }
        var moved: Float = 0
        for (i, j) in [(3, 1), (5, 5), (2, 9), (40, 0)] {
            for s in [1, 7, 200] {
                #expect(abs(score(i, j) - score(i + s, j + s)) < 1e-4, "(\(i), \(j)) shifted by \(s)")
            }
            moved = max(moved, abs(score(i, j) - score(i + 1, j)))
        }
        // …and it does depend on the distance: the test could fail.
        #expect(moved > 1e-2)
    }

    @Test func rotationMatchesTheNumpyReference() throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let (tensors, metadata) = try SafeTensors.decodeWithMetadata(Data(contentsOf: fixtures.appendingPathComponent("rope.safetensors")))
        let heads = try #require(Int(metadata["heads"] ?? "")), start = try #require(Int(metadata["start"] ?? ""))
        let base = try #require(Float(metadata["base"] ?? ""))
        let x = try #require(tensors["x"])
        let positions = start..<(start + x.shape[0])
        let dh = x.shape[1] / heads

        for (name, scaling) in [("plain", nil), ("llama3", Self.llama3)] as [(String, RotaryScaling?)] {
            let frequencies = rotaryInverseFrequencies(headWidth: dh, base: base, scaling: scaling)
            let wantFrequencies = try #require(tensors["\(name)_frequencies"])
            for (got, want) in zip(frequencies, wantFrequencies.scalars) {
                #expect(abs(got - want) <= 1e-6 * want, "\(name) θ: \(got) vs \(want)")
            }
            let rotated = rotaryEmbedding(x, heads: heads, positions: positions, base: base, scaling: scaling)
            let want = try #require(tensors[name])
            #expect(rotated.maxAbsDifference(want) <= 1e-5, "\(name): max |Δ| \(rotated.maxAbsDifference(want))")
        }
        // The scaling matters at these positions, so the fixture tells the two apart.
        #expect(try #require(tensors["plain"]).maxAbsDifference(try #require(tensors["llama3"])) > 1e-2)
    }

    /// The model's `q` and `k` hooks show the projections rotated to their absolute positions, also
    /// for tokens that follow a KV cache.
    @Test func theQueryAndKeyHooksSeeRotatedVectors() throws {
        let config = rotaryDecoderConfig()
        let model = try TransformerModel.random(.decoderOnly, config, seed: 5)
        let block = try #require(model.weights.decoder?.blocks.first)
        var cache: KVCache? = KVCache(for: config)
        _ = try model.decode(Array(decoderIDs.prefix(3)), memory: nil, cache: &cache)
        let tracer = Tracer()
        let pass = Pass(hooks: .recording(tracer, pattern: "decoder.0.*"))
        _ = try model.decode(Array(decoderIDs.dropFirst(3)), memory: nil, cache: &cache, pass: pass)
        let h = try #require(tracer["decoder.0.self_attn_norm.out"]).tensor
        guard case let .rotary(base, scaling) = config.positions else { Issue.record("not rotary"); return }
        let positions = 3..<decoderIDs.count
        let q = rotaryEmbedding(block.selfAttention.query(h), heads: config.heads, positions: positions, base: base, scaling: scaling)
        let k = rotaryEmbedding(block.selfAttention.key(h), heads: config.kvHeads, positions: positions, base: base, scaling: scaling)
        #expect(try #require(tracer["decoder.0.self_attn.q"]).tensor == splitHeads(q, heads: config.heads))
        #expect(try #require(tracer["decoder.0.self_attn.k"]).tensor == splitHeads(k, heads: config.kvHeads))
        #expect(try #require(tracer["decoder.0.self_attn.v"]).tensor == splitHeads(block.selfAttention.value(h), heads: config.kvHeads))
    }
}

/// Llama's flavour at toy size: pre-norm RMS norm, rotary positions with llama3 scaling, 4 query
/// heads sharing 2 key/value heads, a SwiGLU MLP, no biases, untied unembedding.
func rotaryDecoderConfig() -> ModelConfig {
    ModelConfig(width: 32, heads: 4, layers: 2, mlpWidth: 48, vocabularySize: 100, maxLength: 64, normKind: .rmsNorm,
                positions: .rotary(base: 10_000, scaling: RotaryTests.llama3), activation: .silu, biases: false,
                tiedEmbeddings: false, kvHeads: 2, gatedMLP: true)
}
