import Testing
import TensorCore
@testable import Transformer

@Suite struct BlockTests {
    @Test func decodingAnEncoderDecoderModelWithoutMemoryIsAnError() throws {
        let model = try tinyModel(.encoderDecoder)
        var noCache: KVCache? = nil
        #expect(throws: ModelError.missingMemory) { try model.decode(decoderIDs, memory: nil, cache: &noCache) }
        var cache: KVCache? = KVCache(for: model.config)
        #expect(throws: ModelError.missingMemory) { try model.decode(decoderIDs, memory: nil, cache: &cache) }
        #expect(ModelError.missingMemory.description.contains("encode()"))
        // With the memory it runs, and equals the forward pass.
        let memory = try model.encode(encoderIDs)
        let logits = try model.decode(decoderIDs, memory: memory, cache: &noCache)
        #expect(logits == (try model.forward(sampleInput(.encoderDecoder))))
    }

    @Test func preAndPostNormWrapTheSublayerAsTheirFormulasSay() throws {
        let x = Tensor(shape: [1, 2], scalars: [1, 2])
        let norm: Sublayer = { t in Tensor(shape: t.shape, scalars: t.scalars.map { $0 * 10 }) }
        let f: Sublayer = { t in Tensor(shape: t.shape, scalars: t.scalars.map { $0 + 1 }) }
        #expect(try preNormSublayer(x, norm, f).scalars == [1 + 11, 2 + 21])     // x + f(norm(x))
        #expect(try postNormSublayer(x, norm, f).scalars == [30, 50])           // norm(x + f(x))
    }
}
