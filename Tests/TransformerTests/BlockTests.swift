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

/// Hooks that return a replacement change the computation exactly as the replaced tensor would.
@Suite struct ReplacingHookTests {
    /// Runs `model` with `replace` at `point` (nil: no replacement) and records `record` after it.
    func run(_ model: TransformerModel, _ input: ModelInput, replace point: String?, _ replacement: @escaping HookFunction = { _, _ in nil },
             record: String) throws -> (logits: Tensor, tracer: Tracer) {
        var hooks = Hooks()
        if let point { hooks.add(point, replacement) }
        let tracer = Tracer()
        tracer.attach(to: &hooks, pattern: record)
        return (try model.forward(input, pass: Pass(hooks: hooks)), tracer)
    }

    func scaled(_ t: Tensor, _ factor: Float) -> Tensor { Tensor(shape: t.shape, scalars: t.scalars.map { $0 * factor }) }

    @Test(arguments: Architecture.allCases)
    func zeroQueriesOrKeysMakeEveryPatternRowUniformOverItsAllowedKeys(architecture: Architecture) throws {
        let model = try tinyModel(architecture)
        let stack: Stack = architecture == .encoderOnly ? .encoder : .decoder
        for which in ["q", "k"] {
            let site = "\(stack.rawValue).0.self_attn"
            let (_, tracer) = try run(model, sampleInput(architecture), replace: "\(site).\(which)",
                                      { _, t in Tensor(zeros: t.shape) }, record: "\(site).pattern,\(site).mask")
            let pattern = try #require(tracer["\(site).pattern"]).tensor
            let mask = try #require(tracer["\(site).mask"]).tensor
            let (heads, tq, tk) = (pattern.shape[0], pattern.shape[1], pattern.shape[2])
            for h in 0..<heads {
                for i in 0..<tq {
                    let allowed = (0..<tk).filter { mask[i, $0] == 1 }.count
                    for j in 0..<tk {
                        let want: Float = mask[i, j] == 1 ? 1 / Float(allowed) : 0
                        #expect(abs(pattern[h, i, j] - want) <= 1e-6, "\(which)=0: [\(h), \(i), \(j)] is \(pattern[h, i, j])")
                    }
                }
            }
        }
    }

    @Test func doublingQueriesOrKeysDoublesTheScoresExactly() throws {
        // Multiplying by 2 is exact in floating point, so scores computed from 2q (or 2k) are
        // exactly twice the plain scores: the replacement is what attention computes with.
        let model = try tinyModel(.encoderDecoder)
        let input = sampleInput(.encoderDecoder)
        for site in ["encoder.1.self_attn", "decoder.0.self_attn", "decoder.1.cross_attn"] {
            let plain = try #require(try run(model, input, replace: nil, record: "\(site).scores").tracer["\(site).scores"]).tensor
            for which in ["q", "k"] {
                let (_, tracer) = try run(model, input, replace: "\(site).\(which)", { _, t in self.scaled(t, 2) },
                                          record: "\(site).scores")
                #expect(try #require(tracer["\(site).scores"]).tensor == scaled(plain, 2), "\(site).\(which)")
            }
        }
    }

    @Test func replacedValuesAreWhatThePatternWeighs() throws {
        // v replaced by v'[h, j, c] = j + c: z[i, h·dₕ + c] must be Σⱼ pattern[h, i, j] · v'[h, j, c].
        let model = try tinyModel(.decoderOnly)
        let site = "decoder.1.self_attn"
        let (logits, tracer) = try run(model, sampleInput(.decoderOnly), replace: "\(site).v", { _, t in
            var out = t
            let (heads, rows, dh) = (t.shape[0], t.shape[1], t.shape[2])
            for h in 0..<heads { for j in 0..<rows { for c in 0..<dh { out[h, j, c] = Float(j + c) } } }
            return out
        }, record: "\(site).pattern,\(site).z")
        let pattern = try #require(tracer["\(site).pattern"]).tensor
        let z = try #require(tracer["\(site).z"]).tensor
        let (heads, tq, tk) = (pattern.shape[0], pattern.shape[1], pattern.shape[2])
        let dh = z.shape[1] / heads
        for h in 0..<heads {
            for i in 0..<tq {
                for c in 0..<dh {
                    let want = (0..<tk).reduce(Float(0)) { $0 + pattern[h, i, $1] * Float($1 + c) }
                    #expect(abs(z[i, h * dh + c] - want) <= 1e-4 * max(1, abs(want)))
                }
            }
        }
        #expect(logits.maxAbsDifference(try model.forward(sampleInput(.decoderOnly))) > 1e-3)
    }

    @Test(arguments: ["z", "pattern"])
    func ablatingOneHeadLeavesTheOtherHeadsAlone(point: String) throws {
        let model = try tinyModel(.encoderDecoder)
        let input = sampleInput(.encoderDecoder)
        let (heads, dh) = (model.config.heads, model.config.headWidth)
        let ablated = 1
        for site in ["decoder.0.self_attn", "decoder.1.cross_attn"] {
            let plain = try run(model, input, replace: nil, record: "\(site).z")
            let zeroHead: HookFunction = { _, t in
                var out = t
                if point == "z" {
                    for i in 0..<t.shape[0] { for c in (ablated * dh)..<((ablated + 1) * dh) { out[i, c] = 0 } }
                } else {
                    for i in 0..<t.shape[1] { for j in 0..<t.shape[2] { out[ablated, i, j] = 0 } }
                }
                return out
            }
            let cut = try run(model, input, replace: "\(site).\(point)", zeroHead, record: "\(site).z")
            let before = try #require(plain.tracer["\(site).z"]).tensor
            let after = try #require(cut.tracer["\(site).z"]).tensor
            for i in 0..<before.shape[0] {
                for h in 0..<heads {
                    for c in (h * dh)..<((h + 1) * dh) {
                        if h == ablated { #expect(after[i, c] == 0) } else { #expect(after[i, c] == before[i, c], "\(site) head \(h)") }
                    }
                }
            }
            #expect(cut.logits.maxAbsDifference(plain.logits) > 1e-4, "\(site): ablating head \(ablated) changed nothing")
        }
    }
}
