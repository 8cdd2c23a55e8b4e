import Foundation
import Testing
import TensorCore
@testable import Transformer

/// attnlab against forward passes computed independently in numpy float64 by
/// Fixtures/make_reference.py (GPT-2-like, BERT-like and T5-like settings of the same blocks).
@Suite struct ReferenceTests {
    @Test(arguments: ["gpt2-like", "bert-like", "t5-like"])
    func patternsAndLogitsMatchNumpy(name: String) throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let weights = try SafeTensors.read(fixtures.appendingPathComponent("\(name).safetensors"))
        let (expected, metadata) = try SafeTensors.decodeWithMetadata(
            Data(contentsOf: fixtures.appendingPathComponent("\(name)-expected.safetensors")))
        let architecture = try #require(Architecture(rawValue: metadata["architecture"] ?? ""))
        let config = try referenceConfig(metadata["config"] ?? "")
        let input = ModelInput(encoder: try ids(metadata["encoder_ids"]), decoder: try ids(metadata["decoder_ids"]))

        var model = try TransformerModel.random(architecture, config, seed: 0)
        try model.weights.load(weights)
        let tracer = Tracer()
        let logits = try model.forward(input, pass: Pass(hooks: .recording(tracer, pattern: "*.pattern")))

        let patternNames = expected.keys.filter { $0.hasSuffix(".pattern") }.sorted()
        #expect(tracer.recordings.map(\.name).sorted() == patternNames)
        for name in patternNames {
            let got = try #require(tracer[name]).tensor
            let want = try #require(expected[name])
            #expect(got.shape == want.shape)
            #expect(got.maxAbsDifference(want) <= 1e-4, "\(name): max |Δ| \(got.maxAbsDifference(want))")
        }
        let want = try #require(expected["logits"])
        #expect(logits.maxAbsDifference(want) <= 1e-4, "logits: max |Δ| \(logits.maxAbsDifference(want))")
    }

    private func ids(_ json: String?) throws -> [Int]? {
        guard let json, let list = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Int], !list.isEmpty else { return nil }
        return list
    }
}
