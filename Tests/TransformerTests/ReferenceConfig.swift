import Foundation
import TensorCore
import Testing
@testable import Transformer

/// The configuration make_reference.py and make_gradients.py write into a fixture's metadata,
/// in attnlab's terms.
func referenceConfig(_ json: String) throws -> ModelConfig {
    let c = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    func int(_ key: String) -> Int { c[key] as? Int ?? 0 }
    func string(_ key: String) -> String { c[key] as? String ?? "" }
    func bool(_ key: String) -> Bool { c[key] as? Bool ?? false }
    let positions: PositionScheme = switch string("positions") {
    case "relative": .relativeBias(buckets: int("buckets"), maxDistance: int("max_distance"))
    case "sinusoidal": .sinusoidal
    default: .learned
    }
    return ModelConfig(
        width: int("width"), heads: int("heads"), layers: int("layers"), mlpWidth: int("mlp_width"),
        vocabularySize: int("vocab"), maxLength: int("max_length"),
        normPlacement: try #require(NormPlacement(rawValue: string("placement"))),
        normKind: try #require(NormKind(rawValue: string("norm"))),
        normEpsilon: Float(c["eps"] as? Double ?? 0), positions: positions,
        scoreScaling: try #require(ScoreScaling(rawValue: string("score_scaling"))),
        activation: try #require(Activation(rawValue: string("activation"))),
        biases: bool("biases"), embeddingNorm: bool("embedding_norm"), tiedEmbeddings: bool("tied"),
        scaleTiedLogits: bool("scale_tied_logits"))
}

