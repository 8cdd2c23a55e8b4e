import Foundation
import Testing
import TensorCore
@testable import Transformer

@Suite struct ConfigFileTests {
    @Test func everyPresetAndSchemeRoundTrips() throws {
        var t5Like = Preset.tiny.config()
        t5Like.positions = .relativeBias(buckets: 32, maxDistance: 128)
        t5Like.normKind = .rmsNorm
        t5Like.scoreScaling = .none
        t5Like.activation = .relu
        t5Like.biases = false
        t5Like.normEpsilon = 1e-6
        var bertLike = Preset.small.config()
        bertLike.normPlacement = .post
        bertLike.embeddingNorm = true
        bertLike.tiedEmbeddings = false
        bertLike.positions = .sinusoidal
        bertLike.activation = .geluExact
        let configs = Preset.allCases.map { $0.config() } + [t5Like, bertLike]
        for config in configs {
            for architecture in Architecture.allCases {
                let file = ConfigFile(architecture: architecture, config: config)
                let json = try file.json()
                #expect(try ConfigFile(json: json) == file)
                #expect(try ConfigFile(json: json).json() == json)   // same configuration, same bytes
            }
        }
        let text = String(decoding: try ConfigFile(architecture: .encoderDecoder, config: t5Like).json(), as: UTF8.self)
        for key in ["\"mlp_width\"", "\"vocabulary_size\"", "\"max_distance\" : 128", "\"norm_epsilon\" : 1e-06",
                    "\"kind\" : \"relative\"", "\"architecture\" : \"encoder-decoder\"", "\"score_scaling\" : \"none\""] {
            #expect(text.contains(key), "\(key) in \(text)")
        }
    }

    @Test func aMissingOrWronglyTypedFieldIsNamed() throws {
        let good = try JSONSerialization.jsonObject(
            with: ConfigFile(architecture: .decoderOnly, config: Preset.nano.config()).json()) as? [String: Any] ?? [:]
        func error(_ change: (inout [String: Any]) -> Void) -> String {
            var object = good
            change(&object)
            do {
                _ = try ConfigFile(json: JSONSerialization.data(withJSONObject: object))
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(error { $0["heads"] = nil } == "config.json: field 'heads' is missing")
        #expect(error { $0["heads"] = "four" }.hasPrefix("config.json: field 'heads' must be a whole number"))
        #expect(error { $0["width"] = 1.5 }.hasPrefix("config.json: field 'width' must be a whole number"))
        #expect(error { $0["biases"] = 1 }.hasPrefix("config.json: field 'biases' must be true or false"))
        #expect(error { $0["layers"] = true }.hasPrefix("config.json: field 'layers' must be a whole number"))
        #expect(error { $0["norm_kind"] = "batch" } == "config.json: field 'norm_kind' must be one of layer, rms, not \"batch\"")
        #expect(error { $0["positions"] = ["kind": "relative", "buckets": 8] } == "config.json: field 'positions.max_distance' is missing")
        #expect(error { $0["positions"] = "learned" }.hasPrefix("config.json: field 'positions' must be an object"))
        #expect(error { $0["heads"] = 5 }.hasPrefix("invalid model configuration"))
        #expect(throws: ModelError.self) { try ConfigFile(json: Data("[1, 2]".utf8)) }
    }

    @Test func aFileOnDiskReadsBack() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("attnlab-config-\(UInt32.random(in: 0...UInt32.max)).json")
        defer { try? FileManager.default.removeItem(at: url) }
        let file = ConfigFile(architecture: .encoderOnly, config: Preset.tiny.config())
        try file.write(to: url)
        #expect(try ConfigFile.read(url) == file)
    }
}
