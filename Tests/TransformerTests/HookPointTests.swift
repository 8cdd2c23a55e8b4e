import Testing
import TensorCore
@testable import Transformer

@Suite struct HookPointTests {
    @Test func typedPointsPrintTheirDocumentedPaths() {
        #expect(HookPoint.sublayer(.decoder, 1, .crossAttention, .pattern).name == "decoder.1.cross_attn.pattern")
        #expect(HookPoint.residual(.encoder, 0, .residPre).name == "encoder.0.resid_pre")
        #expect(HookPoint.embed(.decoder).name == "decoder.embed")
        #expect(HookPoint.logits.name == "logits")
        #expect(HookPoint.sublayer(.encoder, 2, .mlpNorm, .out).name == "encoder.2.mlp_norm.out")
        #expect(HookPoint.finalNorm(.decoder).description == "decoder.final_norm.out")
        #expect(HookPoint.embeddingNorm(.encoder).name == "encoder.embed_norm.out")
    }

    @Test func namesParseBackToTheSamePoint() throws {
        let names = ["decoder.1.cross_attn.pattern", "encoder.0.resid_pre", "decoder.embed", "logits",
                     "encoder.3.self_attn_norm.out", "decoder.0.mlp.post", "encoder.final_norm.out",
                     "decoder.embed_norm.out", "decoder.2.self_attn.q"]
        for name in names {
            let point = try #require(HookPoint(parsing: name), "\(name)")
            #expect(point.name == name)
            #expect(HookPoint(name) == point)
        }
        let q = try #require(HookPoint(parsing: "decoder.2.self_attn.q"))
        #expect(q.stack == .decoder && q.layer == 2 && q.site == .selfAttention && q.point == .q)
        #expect(HookPoint(parsing: "logits")?.stack == nil)
    }

    @Test func nonPathsAreRejected() {
        for name in ["no.such.point", "", "encoder", "encoder.x.resid_pre", "decoder.0.mlp.q", "decoder.0.self_attn",
                     "encoder.-1.resid_pre", "decoder.0.mlp_norm.pre", "middle.embed"] {
            #expect(HookPoint(parsing: name) == nil, "\(name)")
        }
        let unknown = HookPoint("no.such.point")
        #expect(unknown.site == .unknown && unknown.name == "no.such.point")
    }

    /// The listing is exactly what a tracer at `*` records, in order and with the same shapes.
    @Test(arguments: Architecture.allCases)
    func listingEqualsWhatATracerRecords(architecture: Architecture) throws {
        for placement in NormPlacement.allCases {
            for embeddingNorm in [false, true] {
                var config = Preset.nano.config()
                config.normPlacement = placement
                config.embeddingNorm = embeddingNorm
                let model = try TransformerModel.random(architecture, config, seed: 2)
                let input = sampleInput(architecture)
                let tracer = Tracer()
                _ = try model.forward(input, pass: Pass(hooks: .recording(tracer, pattern: "*")))
                let listed = model.hookPoints(encoderTokens: input.encoder?.count ?? 0, decoderTokens: input.decoder?.count ?? 0)
                let what = "\(architecture) \(placement) embedding norm \(embeddingNorm)"
                #expect(listed.map(\.name) == tracer.recordings.map(\.name), "\(what)")
                #expect(listed.map(\.shape) == tracer.recordings.map(\.tensor.shape), "\(what)")
                #expect(Set(listed.map(\.point)).count == listed.count, "\(what): a point listed twice")
                #expect(listed.allSatisfy { HookPoint(parsing: $0.name) == $0.point })
            }
        }
    }
}
