import Foundation
import TensorCore
import Transformer

/// What a training run saves beside its model: `training.json` (settings, the loss history, the
/// held-out evaluation) and `training-state.safetensors` (AdamW's moments and the attention
/// frames), which is what `--resume` needs to carry on exactly where the run stopped.
extension TrainingRun {
    public static let recordFile = "training.json", stateFile = "training-state.safetensors"

    /// training.json: pretty, sorted keys, so the same run gives the same bytes.
    public func recordJSON(evaluation: Evaluation?, clearestHead: HeadWeight?) throws -> Data {
        var object: [String: Any] = [
            "settings": settings.json,
            "task": task.name,
            "steps_done": step,
            "parameters": model.weights.parameterCount,
            "history": [
                "loss": history.map { Double($0.loss) },
                "token_accuracy": history.map { Double($0.tokenAccuracy) },
                "learning_rate": history.map { Double($0.learningRate) },
                "gradient_norm": history.map { Double($0.gradientNorm) },
            ],
            "frame_steps": frames.map(\.step),
        ]
        if let evaluation {
            object["held_out"] = ["exact_match": evaluation.exactMatch, "token_accuracy": evaluation.tokenAccuracy,
                                  "loss": evaluation.loss, "samples": evaluation.samples,
                                  "accuracy_by_position": evaluation.accuracyByPosition.map { $0.isNaN ? -1 : $0 }]
        }
        if let head = clearestHead {
            object["clearest_head"] = ["layer": head.layer, "head": head.head, "weight": head.weight,
                                       "measure": task.attentionTargetName ?? "the sharpest keys (mean largest weight of a row)"]
        }
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) + Data("\n".utf8)
    }

    /// AdamW's moments (`m.…`, `v.…`) and every frame's patterns (`frame.F.layer.L`).
    public func stateTensors() -> [String: Tensor] {
        var tensors = optimizer.tensors()
        for (f, frame) in frames.enumerated() {
            for (layer, pattern) in frame.patterns.enumerated() { tensors["frame.\(f).layer.\(layer)"] = pattern }
        }
        return tensors
    }

    /// A run continued from what `recordJSON` and `stateTensors` saved, with `model` loaded from
    /// the checkpoint. `steps`, when given, replaces the total (to train longer).
    public static func resume(record: Data, state: [String: Tensor], model: TransformerModel, steps: Int? = nil) throws -> TrainingRun {
        guard let parsed = try? JSONSerialization.jsonObject(with: record) else {
            throw TrainingError.file("\(recordFile) is not valid JSON")
        }
        guard let object = parsed as? [String: Any], let settingsObject = object["settings"] as? [String: Any] else {
            throw TrainingError.file("\(recordFile) is not a training record (no 'settings' object)")
        }
        var settings = try TrainingSettings(json: settingsObject)
        let history = try records(object["history"])
        if let steps {
            guard steps > history.count else {
                throw TrainingError.settings("--steps \(steps) is not more than the \(history.count) steps already done")
            }
            settings.steps = steps
        }
        let task: TrainingTask
        do { task = try check(settings) } catch TrainingError.settings(let problem) {
            throw TrainingError.file("\(recordFile)'s settings cannot be trained: \(problem)")
        }
        guard model.architecture == settings.architecture, model.config == settings.config(task) else {
            throw TrainingError.file("the model does not fit \(recordFile)'s settings (\(task.name), \(settings.preset.rawValue))")
        }
        let frameSteps = (object["frame_steps"] as? [Int]) ?? []
        var frames: [AttentionFrame] = []
        let optimizerState = state.filter { $0.key.hasPrefix("m.") || $0.key.hasPrefix("v.") }
        let optimizer: AdamW
        do {
            optimizer = try AdamW(restoring: optimizerState, step: history.count, weightDecay: settings.weightDecay)
        } catch {
            throw TrainingError.file("\(stateFile): \(error)")
        }
        let run = try TrainingRun(settings, task: task, model: model, optimizer: optimizer, history: history, frames: [])
        for (f, frameStep) in frameSteps.enumerated() {
            let patterns = (0..<model.config.layers).compactMap { state["frame.\(f).layer.\($0)"] }
            guard patterns.count == model.config.layers else { throw TrainingError.file("\(stateFile): frame \(f) is incomplete") }
            let labels = run.labels(run.probe)
            let rows = settings.architecture == .encoderOnly ? labels[.encoder] : labels[.decoder]
            let columns = settings.architecture == .decoderOnly ? labels[.decoder] : labels[.encoder]
            frames.append(AttentionFrame(step: frameStep, patterns: patterns, rowLabels: rows ?? [], columnLabels: columns ?? []))
        }
        run.restoreFrames(frames)
        return run
    }

    private static func records(_ value: Any?) throws -> [TrainingRecord] {
        guard let history = value as? [String: Any],
              let loss = history["loss"] as? [Double], let accuracy = history["token_accuracy"] as? [Double],
              let rate = history["learning_rate"] as? [Double], let norm = history["gradient_norm"] as? [Double],
              Set([loss.count, accuracy.count, rate.count, norm.count]).count == 1 else {
            throw TrainingError.file("\(recordFile): the 'history' lists are missing or of different lengths")
        }
        return loss.indices.map {
            TrainingRecord(step: $0 + 1, loss: Float(loss[$0]), tokenAccuracy: Float(accuracy[$0]),
                           learningRate: Float(rate[$0]), gradientNorm: Float(norm[$0]))
        }
    }
}
