import Foundation

/// Where a model's weights came from. Every picture's subtitle says it, because a class reading a
/// pattern must know whether it was learned (and how well) or is the noise of a random start.
public enum WeightsOrigin: Sendable, Equatable {
    /// Drawn from a seed: the same seed, the same weights.
    case random(seed: UInt64)
    /// Trained by attnlab: the task, the updates done, and the held-out exact match of the last
    /// evaluation (nil when the run was never evaluated, e.g. stopped by Ctrl-C).
    case trained(task: String, steps: Int, exactMatch: Double?)
    /// A checkpoint without a training record: its name, and the format it was read from
    /// ("Hugging Face bert", "attnlab").
    case checkpoint(name: String, format: String)
    /// No weights at all: what is drawn follows from the shapes alone (counting parameters).
    case none

    /// "random weights, seed 0"; "trained on reverse (…), 600 steps, held-out exact match 0.982";
    /// "checkpoint all-MiniLM-L6-v2, pretrained (Hugging Face bert)".
    public var description: String {
        switch self {
        case .random(let seed): "random weights, seed \(seed)"
        case let .trained(task, steps, exactMatch):
            "trained on \(task), \(steps) steps, "
                + (exactMatch.map { String(format: "held-out exact match %.3f", $0) } ?? "not evaluated on held-out data")
        case let .checkpoint(name, format):
            format == "attnlab" ? "checkpoint \(name) (attnlab's format, no training record)" : "checkpoint \(name), pretrained (\(format))"
        case .none: "no weights: counted from the shapes alone"
        }
    }

    /// The first line of every picture's subtitle: the model, then where its weights came from,
    /// e.g. "decoder-only tiny (width 64, 4 heads, 2 layers); random weights, seed 0".
    public static func subtitle(model: String, origin: WeightsOrigin) -> String {
        model.isEmpty ? origin.description : "\(model); \(origin.description)"
    }

    /// The origin a training folder's `training.json` records (its task, the steps done and the
    /// last held-out exact match), or nil when `data` is not such a record.
    public static func trainingRecord(_ data: Data) -> WeightsOrigin? {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let task = object["task"] as? String, let steps = object["steps_done"] as? Int else { return nil }
        let exactMatch = (object["held_out"] as? [String: Any])?["exact_match"] as? Double
        return .trained(task: task, steps: steps, exactMatch: exactMatch)
    }
}
