import Foundation
import TensorCore
import Transformer

/// attnlab's own layout, for every model GPT-2's layout cannot describe: config.json is
/// `ConfigFile`'s text plus `"model_type": "attnlab"`, and the tensors keep the names
/// `ModelWeights.visit` gives them (`decoder.0.self_attn.q.weight`), in attnlab's orientation.
enum NativeLayout {
    static let modelType = "attnlab"

    static func configData(_ architecture: Architecture, _ config: ModelConfig) throws -> Data {
        let text = try ConfigFile(architecture: architecture, config: config).json()
        guard var object = try JSONSerialization.jsonObject(with: text) as? [String: Any] else {
            throw CheckpointError(path: Checkpoint.configFile, problem: "ConfigFile wrote something other than a JSON object")
        }
        object["model_type"] = modelType
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    /// Reads the configuration through `ConfigFile`, its errors re-worded to name the file.
    static func config(_ data: Data, folder: URL) throws -> (Architecture, ModelConfig) {
        do {
            let file = try ConfigFile(json: data)
            return (file.architecture, file.config)
        } catch let error as ModelError {
            switch error {
            case let .configField(field, problem):
                throw CheckpointError(folder, Checkpoint.configFile, "field '\(field)' \(problem)")
            case let .config(problem):
                throw CheckpointError(folder, Checkpoint.configFile, "describes no model that can run: \(problem)")
            default:
                throw CheckpointError(folder, Checkpoint.configFile, error.description)
            }
        }
    }

    /// Names and shapes of every parameter of `weights` (zeros of the configuration's shapes).
    static func expected(_ weights: ModelWeights) -> ExpectedTensors {
        var list = ExpectedTensors()
        for (name, shape) in weights.parameterShapes { list.add(name, shape) }
        return list
    }

    static func tensors(_ weights: ModelWeights) -> [String: Tensor] {
        var copy = weights
        var out: [String: Tensor] = [:]
        copy.visit { name, tensor in out[name] = tensor }
        return out
    }
}
