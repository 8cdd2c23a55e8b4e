import Checkpoints
import Foundation
import Reports
import Training
import Transformer

/// What the pictures of every command say about the model they show: its shape and where its
/// weights came from (`WeightsOrigin`), in one line, the first of each subtitle.
extension ModelOptions {
    /// Random with its seed; a checkpoint attnlab trained (its folder keeps training.json): the
    /// task, the steps and the last held-out exact match; any other checkpoint: its name and format.
    func weightsOrigin() -> WeightsOrigin {
        guard let model else { return .random(seed: resolvedSeed) }
        if let folder = try? checkpointFolder(), let resolved = try? ModelFolder.resolve(folder),
           let record = FileManager.default.contents(atPath: resolved.appendingPathComponent(TrainingRun.recordFile).path),
           let trained = WeightsOrigin.trainingRecord(record) {
            return trained
        }
        let layout = (try? checkpointConfig())?.layout
        let format = layout.map { $0 == .attnlab ? "attnlab" : "Hugging Face \($0.rawValue)" } ?? "unreadable config.json"
        return .checkpoint(name: Self.checkpointName(model), format: format)
    }

    /// "decoder-only tiny (width 64, 4 heads, 2 layers)", "encoder-only (width 384, 12 heads, 6
    /// layers)" for a checkpoint; with `withMask`, the mask when it is not the architecture's own
    /// (attention pictures name every site's mask themselves).
    func modelShape(_ defaults: ModelDefaults = ModelDefaults(), withMask: Bool = true) -> String {
        let shape: String
        if model != nil {
            guard let (architecture, c, _) = try? checkpointConfig() else { return "a checkpoint" }
            shape = "\(architecture.rawValue) (width \(c.width), \(c.heads) heads, \(c.layers) layers)"
        } else {
            let c = (try? config(defaults)) ?? (preset ?? defaults.preset).config()
            let resized = [width, heads, layers, mlp, vocab].contains { $0 != nil } ? " resized" : ""
            shape = "\(architecture(defaults).rawValue) \((preset ?? defaults.preset).rawValue)\(resized) "
                + "(width \(c.width), \(c.heads) heads, \(c.layers) layers)"
        }
        return shape + (withMask ? mask.map { ", mask \($0.rawValue)" } ?? "" : "")
    }

    /// The first line of every picture's subtitle: "decoder-only tiny (…); random weights, seed 0".
    func pictureSubtitle(_ defaults: ModelDefaults = ModelDefaults(), withMask: Bool = true) -> String {
        WeightsOrigin.subtitle(model: modelShape(defaults, withMask: withMask), origin: weightsOrigin())
    }

    /// The attention pictures of `built`: subtitled by `pictureSubtitle`, and with a line where a
    /// prefix-LM's prefix ends.
    func attentionPictures(of built: TransformerModel, _ defaults: ModelDefaults = ModelDefaults()) -> AttentionPictures {
        var pictures = AttentionPictures(describing: pictureSubtitle(defaults, withMask: false), of: built)
        if mask == .prefixLM, let prefix {
            pictures.prefixes["\(built.architecture == .encoderOnly ? "encoder" : "decoder").self_attn"] = prefix
        }
        return pictures
    }

    /// The name a checkpoint goes by: the folder's own name, and for a Hugging Face cache folder
    /// (`models--ORG--NAME`) the model's.
    static func checkpointName(_ given: String) -> String {
        let parts = URL(fileURLWithPath: given).standardizedFileURL.pathComponents
        if let cache = parts.last(where: { $0.hasPrefix("models--") }), let name = cache.components(separatedBy: "--").last, !name.isEmpty {
            return name
        }
        return parts.last ?? given
    }
}
