import Foundation
import Transformer

/// A training run read back from its `training.json`, to compare runs side by side (`plot-runs`):
/// its settings, the loss of every step, and the held-out scores.
public struct RunRecord: Sendable {
    public let settings: TrainingSettings
    public let task: TrainingTask
    public let parameters: Int
    /// Layers per stack of the model that was trained.
    public let layers: Int
    /// The batch's loss at each step (index 0 is step 1).
    public let losses: [Double]
    /// Held-out scores; nil when the run was interrupted before its evaluation.
    public let exactMatch: Double?
    public let heldOutLoss: Double?
    /// Held-out accuracy per target position (NaN where no example had that position).
    public let accuracyByPosition: [Double]

    public init(json data: Data) throws {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let settingsObject = object["settings"] as? [String: Any] else {
            throw TrainingError.file("\(TrainingRun.recordFile) is not a training record (no 'settings' object)")
        }
        settings = try TrainingSettings(json: settingsObject)
        do {
            task = try TrainingRun.check(settings)
        } catch TrainingError.settings(let problem) {
            throw TrainingError.file("\(TrainingRun.recordFile)'s settings are not a run attnlab can make: \(problem)")
        }
        guard let history = object["history"] as? [String: Any], let losses = history["loss"] as? [Double] else {
            throw TrainingError.file("\(TrainingRun.recordFile) has no 'history.loss' list")
        }
        self.losses = losses
        layers = settings.config(task).layers
        parameters = object["parameters"] as? Int ?? 0
        let heldOut = object["held_out"] as? [String: Any]
        exactMatch = heldOut?["exact_match"] as? Double
        heldOutLoss = heldOut?["loss"] as? Double
        // training.json writes -1 where a position had no examples.
        accuracyByPosition = (heldOut?["accuracy_by_position"] as? [Double] ?? []).map { $0 < 0 ? .nan : $0 }
    }

    /// What each step's batch held: its input tokens (every stack's), and the predictions it was
    /// scored on (its labelled positions). Not stored: batches are a pure function of the seed and
    /// the step, so they are drawn again, without a model.
    public func work() -> [(tokens: Int, predictions: Int)] {
        losses.indices.map { step in
            let batch = TrainingRun.batch(at: step, settings: settings, task: task)
            let tokens = batch.reduce(0) { $0 + ($1.input.encoder?.count ?? 0) + ($1.input.decoder?.count ?? 0) }
            let predictions = batch.reduce(0) { $0 + $1.labelledPositions.count }
            return (tokens, predictions)
        }
    }
}
