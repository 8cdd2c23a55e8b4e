import Foundation
import Testing
import TensorCore
@testable import Transformer

/// attnlab's gradients against PyTorch autograd in float64 (Fixtures/make_gradients.py): three
/// architectures, pre- and post-norm, the three position schemes, a T5-like and a BERT-like
/// setting, each on a padded batch of two with some labels ignored.
@Suite struct GradientReferenceTests {
    static let fixtures = [
        "encoder-only-pre-learned", "encoder-only-post-learned", "decoder-only-pre-learned",
        "decoder-only-post-learned", "encoder-decoder-pre-learned", "encoder-decoder-post-learned",
        "decoder-only-pre-sinusoidal", "encoder-decoder-post-sinusoidal", "decoder-only-t5",
        "encoder-decoder-t5", "encoder-only-bert",
    ]

    @Test(arguments: fixtures)
    func gradientsMatchPyTorch(name: String) throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let weights = try SafeTensors.read(fixtures.appendingPathComponent("grad-\(name).safetensors"))
        let (expected, metadata) = try SafeTensors.decodeWithMetadata(
            Data(contentsOf: fixtures.appendingPathComponent("grad-\(name)-expected.safetensors")))
        let architecture = try #require(Architecture(rawValue: metadata["architecture"] ?? ""))
        let config = try referenceConfig(metadata["config"] ?? "")
        let encoder = try Self.lists(metadata["encoder_ids"]), decoder = try Self.lists(metadata["decoder_ids"])
        let labels = try Self.lists(metadata["labels"])
        let batch = (0..<labels.count).map { b in
            ModelInput(encoder: encoder[b].isEmpty ? nil : encoder[b], decoder: decoder[b].isEmpty ? nil : decoder[b])
        }
        var model = try TransformerModel.random(architecture, config, seed: 0)
        try model.weights.load(weights)

        let (loss, gradients, predictions) = try model.lossAndGradients(batch: batch, labels: labels)
        let wantLoss = try #require(Double(metadata["loss"] ?? ""))
        #expect(abs(Double(loss) - wantLoss) <= 1e-5 * abs(wantLoss), "loss \(loss), PyTorch \(wantLoss)")
        #expect(predictions.map(\.count) == labels.map(\.count))

        let got = gradients.named
        #expect(Set(got.keys.map { "grad." + $0 }) == Set(expected.keys))
        var worst: (name: String, delta: Float, scale: Float) = ("", 0, 0)
        var largest: Float = 0
        for (param, tensor) in got {
            let want = try #require(expected["grad." + param])
            try #require(tensor.shape == want.shape, "\(param): \(tensor.shape) vs \(want.shape)")
            let scale = want.scalars.reduce(0) { max($0, abs($1)) }
            let delta = tensor.maxAbsDifference(want)
            largest = max(largest, delta)
            #expect(delta <= 1e-4 * scale + 1e-6, "\(param): max |Δ| \(delta), max |grad| \(scale)")
            // (Keys' biases have a zero gradient — softmax ignores a shift — so they are left out of the summary.)
            if scale > 1e-6 && delta / scale >= worst.delta / max(worst.scale, 1e-12) { worst = (param, delta, scale) }
        }
        print("\(name): loss \(loss) vs \(wantLoss); max |Δ| over all tensors \(largest); worst relative \(worst.name) max |Δ| \(worst.delta) of max |grad| \(worst.scale)")
    }

    /// The same batch gives the same bits every time (no sum depends on thread timing).
    @Test func gradientsAreBitIdenticalRunToRun() throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let weights = try SafeTensors.read(fixtures.appendingPathComponent("grad-encoder-decoder-t5.safetensors"))
        var config = ModelConfig(width: 16, heads: 2, layers: 2, mlpWidth: 32, vocabularySize: 30, maxLength: 16,
                                 normKind: .rmsNorm, normEpsilon: 1e-6, positions: .relativeBias(buckets: 8, maxDistance: 8),
                                 scoreScaling: .none, activation: .relu, biases: false, scaleTiedLogits: true)
        config.tiedEmbeddings = true
        var model = try TransformerModel.random(.encoderDecoder, config, seed: 0)
        try model.weights.load(weights)
        let batch = [ModelInput(encoder: [1, 2, 3, 4, 5, 6, 7], decoder: [3, 4, 5, 6, 7]),
                     ModelInput(encoder: [9, 8, 7], decoder: [1, 1, 2, 3, 5, 8])]
        let labels = [[4, 5, -100, 7, 8], [1, 2, 3, 5, 8, -100]]
        let first = try model.lossAndGradients(batch: batch, labels: labels)
        for _ in 0..<3 {
            let again = try model.lossAndGradients(batch: batch, labels: labels)
            #expect(again.loss.bitPattern == first.loss.bitPattern)
            for (name, tensor) in again.gradients.named {
                #expect(tensor.scalars.map(\.bitPattern) == first.gradients.named[name]?.scalars.map(\.bitPattern), "\(name)")
            }
        }
    }

    static func lists(_ json: String?) throws -> [[Int]] {
        try #require(try JSONSerialization.jsonObject(with: Data((json ?? "").utf8)) as? [[Int]])
    }
}
