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
}
