import Testing
import TensorCore
@testable import Transformer

@Suite struct SavedActivationsTests {
    @Test(arguments: Architecture.allCases)
    func everyLayerIsSavedWhenAskedAndAgreesWithTheHooks(architecture: Architecture) throws {
        for placement in NormPlacement.allCases {
            var config = Preset.nano.config()
            config.normPlacement = placement
            let model = try TransformerModel.random(architecture, config, seed: 3)
            let input = sampleInput(architecture)
            let tracer = Tracer()
            let pass = Pass(hooks: .recording(tracer, pattern: "*"), saving: true)
            let logits = try model.forward(input, pass: pass)
            #expect(logits == (try model.forward(input)), "saving changed the result")
            let (d, f, h) = (config.width, config.mlpWidth, config.heads)
            #expect(Set(pass.saved.keys) == Set(architecture.stacks))
            for stack in architecture.stacks {
                let layers = try #require(pass.saved[stack])
                #expect(layers.count == config.layers)
                let t = input.tokens(stack)?.count ?? 0
                let s = input.encoder?.count ?? 0
                for (l, saved) in layers.enumerated() {
                    let name = { (tail: String) in tracer["\(stack.rawValue).\(l).\(tail)"]?.tensor }
                    #expect(saved.residPre == name("resid_pre") && saved.residMid == name("resid_mid")
                            && saved.residPost == name("resid_post"))
                    #expect(saved.selfAttention.pattern == name("self_attn.pattern"))
                    #expect(saved.selfAttention.z == name("self_attn.z"))
                    #expect(saved.selfAttention.norm.output == name("self_attn_norm.out"))
                    #expect([saved.selfAttention.q.shape, saved.selfAttention.k.shape, saved.selfAttention.v.shape] == [[t, d], [t, d], [t, d]])
                    #expect(saved.selfAttention.norm.input.shape == [t, d])
                    #expect(saved.mlp.pre == name("mlp.pre") && saved.mlp.post == name("mlp.post"))
                    #expect(saved.mlp.pre.shape == [t, f] && saved.mlp.norm.output == name("mlp_norm.out"))
                    if placement == .pre && saved.crossAttention == nil { #expect(saved.mlp.norm.input == saved.residMid) }
                    if let cross = saved.crossAttention {
                        #expect(stack == .decoder && architecture == .encoderDecoder)
                        #expect(cross.pattern.shape == [h, t, s] && cross.k.shape == [s, d])
                        #expect(cross.pattern == name("cross_attn.pattern"))
                    } else {
                        #expect(!(stack == .decoder && architecture == .encoderDecoder), "cross-attention not saved")
                    }
                }
                #expect((pass.savedFinalNorm[stack] != nil) == (placement == .pre))
            }
        }
    }

    @Test func nothingIsKeptUnlessAsked() throws {
        let pass = Pass()
        _ = try tinyModel(.encoderDecoder).forward(sampleInput(.encoderDecoder), pass: pass)
        #expect(!pass.saving)
        #expect(pass.saved.isEmpty && pass.savedFinalNorm.isEmpty)
    }
}
