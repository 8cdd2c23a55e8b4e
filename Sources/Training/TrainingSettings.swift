import Foundation
import Transformer

/// Everything that decides a training run. Saved in `training.json`; the same settings and thread
/// count give a bit-identical loss history.
public struct TrainingSettings: Sendable, Equatable {
    public var task: TaskKind
    public var architecture: Architecture
    public var preset: Preset
    public var steps: Int
    /// Sequences per step.
    public var batch: Int
    /// The peak learning rate, reached after `warmupSteps` and then decayed along a cosine to
    /// `learningRate / 10` at the last step.
    public var learningRate: Float
    public var warmupSteps: Int
    public var weightDecay: Float
    /// Gradients are scaled down when their global norm exceeds this.
    public var clip: Float
    /// Longest input sequence (x), and how many symbols x is drawn from.
    public var length: Int
    public var symbols: Int
    public var seed: UInt64
    /// Layers per stack when not the preset's own: `train --budget` picks the depth that brings
    /// the model closest to a parameter budget, so that architectures can be compared at equal size.
    public var layers: Int?

    /// Defaults chosen (by measurement, see README) so that each task reaches its goal on the
    /// tiny preset with no other flag.
    public init(task: TaskKind, architecture: Architecture, preset: Preset = .tiny, steps: Int? = nil, batch: Int = 32,
                learningRate: Float = 3e-3, warmupSteps: Int? = nil, weightDecay: Float = 0.01, clip: Float = 1,
                length: Int = 8, symbols: Int = 10, seed: UInt64 = 0, layers: Int? = nil) {
        self.task = task
        self.architecture = architecture
        self.preset = preset
        self.steps = steps ?? Self.defaultSteps(task)
        self.batch = batch
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps ?? min(100, max(1, self.steps / 10))
        self.weightDecay = weightDecay
        self.clip = clip
        self.length = length
        self.symbols = symbols
        self.seed = seed
        self.layers = layers
    }

    /// The model these settings train for `task`: the preset's shape, sized for the task, at
    /// `layers` per stack when that is given.
    public func config(_ task: TrainingTask) -> ModelConfig {
        var config = task.config(preset)
        if let layers { config.layers = layers }
        return config
    }

    public static func defaultSteps(_ task: TaskKind) -> Int {
        switch task {
        case .copy, .reverse, .sort: 1500
        case .count: 1500
        case .lm, .mlm: 1500
        }
    }

    /// The schedule these settings describe.
    public var schedule: LearningRateSchedule {
        LearningRateSchedule(peak: learningRate, minimum: learningRate / 10, warmupSteps: warmupSteps, totalSteps: steps)
    }

    public var json: [String: Any] {
        var json: [String: Any] = ["task": task.rawValue, "architecture": architecture.rawValue, "preset": preset.rawValue, "steps": steps,
         "batch": batch, "learning_rate": Double(learningRate), "warmup_steps": warmupSteps,
         "weight_decay": Double(weightDecay), "clip": Double(clip), "length": length, "symbols": symbols, "seed": seed]
        // Only when given, so that the records of runs at the preset's depth read as before.
        if let layers { json["layers"] = layers }
        return json
    }

    /// Reads what `json` wrote; the error names the field.
    public init(json: [String: Any]) throws {
        let fields = JSONFields(json, path: "settings") { field, problem in
            TrainingError.file("training.json: field '\(field)' \(problem)")
        }
        self.init(task: try fields.choice("task", TaskKind.self), architecture: try fields.choice("architecture", Architecture.self),
                  preset: try fields.choice("preset", Preset.self), steps: try fields.int("steps"), batch: try fields.int("batch"),
                  learningRate: try fields.float("learning_rate"), warmupSteps: try fields.int("warmup_steps"),
                  weightDecay: try fields.float("weight_decay"), clip: try fields.float("clip"),
                  length: try fields.int("length"), symbols: try fields.int("symbols"), seed: try fields.uint64("seed"),
                  layers: fields.has("layers") ? try fields.int("layers") : nil)
    }
}

/// What can stop a training run, in one line.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case settings(String)
    case diverged(step: Int)
    case file(String)

    public var description: String {
        switch self {
        case .settings(let what): what
        case .diverged(let step): "the loss became NaN or infinite at step \(step); the last good model was kept (train again with a lower --lr)"
        case .file(let what): what
        }
    }
}
