import Dispatch
import Foundation
import TensorCore
import Transformer

/// One step's numbers, as `training.json` keeps them.
public struct TrainingRecord: Sendable, Equatable {
    public let step: Int               // 1 for the first update
    public let loss: Float             // mean cross-entropy over the batch's labelled tokens
    public let tokenAccuracy: Float    // of the batch's labelled tokens, before this step's update
    public let learningRate: Float
    public let gradientNorm: Float     // before clipping
}

/// The watched attention site at one moment of training, on one fixed held-out example: the
/// frames of `attention-over-training.png`.
public struct AttentionFrame: Sendable {
    public let step: Int
    /// One pattern [H, Tq, Tk] per layer.
    public let patterns: [Tensor]
    public let rowLabels: [String]
    public let columnLabels: [String]
}

/// A model learning a task: AdamW on batches drawn fresh each step from a seeded stream, with
/// warm-up and cosine decay, clipping by global norm, and a record of every step.
///
/// The batch of step s depends only on the seed and s, so a run resumed from a checkpoint sees the
/// very batches it would have seen, and the same settings give a bit-identical loss history.
public final class TrainingRun {
    public let settings: TrainingSettings
    public let task: TrainingTask
    public private(set) var model: TransformerModel
    public private(set) var optimizer: AdamW
    public private(set) var history: [TrainingRecord]
    public private(set) var frames: [AttentionFrame]
    /// The held-out example the frames show (the longest of the first 16).
    public let probe: Example

    /// Steps done so far.
    public var step: Int { history.count }
    public var isFinished: Bool { step >= settings.steps }

    /// Frames are taken at the start and at five more steps spread evenly to the end.
    public var frameSteps: [Int] { (0...5).map { settings.steps * $0 / 5 } }

    /// The largest batch and number of steps a run takes (a typo should not size a huge run).
    public static let largestBatch = 1024, mostSteps = 1_000_000, mostLayers = 256

    public convenience init(_ settings: TrainingSettings) throws {
        let task = try Self.check(settings)
        let model = try TransformerModel.random(settings.architecture, settings.config(task), seed: settings.seed)
        try self.init(settings, task: task, model: model, optimizer: AdamW(weightDecay: settings.weightDecay), history: [], frames: [])
    }

    /// A run that continues from saved state (`--resume`).
    public init(_ settings: TrainingSettings, task: TrainingTask, model: TransformerModel, optimizer: AdamW,
                history: [TrainingRecord], frames: [AttentionFrame]) throws {
        self.settings = settings
        self.task = task
        self.model = model
        self.optimizer = optimizer
        self.history = history
        self.frames = frames
        // The longest of a few held-out examples, so the pictures have something to show.
        probe = task.heldOut(16, seed: settings.seed).reduce(nil) { (best: Example?, next: Example) in
            guard let best else { return next }
            return (next.input.decoder?.count ?? 0) + (next.input.encoder?.count ?? 0)
                > (best.input.decoder?.count ?? 0) + (best.input.encoder?.count ?? 0) ? next : best
        } ?? task.heldOut(1, seed: settings.seed)[0]
        if frames.isEmpty && history.isEmpty { self.frames = [try frame()] }
    }

    /// The task these settings describe, after checking every number against its bound.
    public static func check(_ s: TrainingSettings) throws -> TrainingTask {
        guard (1...mostSteps).contains(s.steps) else { throw TrainingError.settings("--steps must be 1...\(mostSteps), got \(s.steps)") }
        guard (1...largestBatch).contains(s.batch) else { throw TrainingError.settings("--batch must be 1...\(largestBatch), got \(s.batch)") }
        guard s.learningRate.isFinite, s.learningRate > 0, s.learningRate <= 1 else {
            throw TrainingError.settings("--lr must be above 0 and at most 1, got \(s.learningRate)")
        }
        guard (0...s.steps).contains(s.warmupSteps) else { throw TrainingError.settings("--warmup must be 0...\(s.steps) (the steps)") }
        if let layers = s.layers, !(1...mostLayers).contains(layers) {
            throw TrainingError.settings("the layers per stack must be 1...\(mostLayers), got \(layers)")
        }
        let task = try TrainingTask(s.task, architecture: s.architecture, symbols: s.symbols, length: s.length)
        let room = s.preset.config().maxLength
        guard task.maxInputLength <= room else {
            throw TrainingError.settings("--length \(s.length) makes sequences of \(task.maxInputLength) tokens; the \(s.preset.rawValue) preset holds \(room)")
        }
        let bytes = estimatedBytesPerStep(s.config(task), architecture: s.architecture, batch: s.batch,
                                          tokens: task.maxInputLength)
        guard bytes <= largestStepBytes else {
            throw TrainingError.settings("a step of \(s.batch) sequences of up to \(task.maxInputLength) tokens on \(s.preset.rawValue) "
                                         + "would need about \(bytes >> 30) GiB of memory; attnlab plans for at most \(largestStepBytes >> 30) GiB: "
                                         + "use a smaller --batch or --length")
        }
        return task
    }

    /// The most memory one training step may plan for.
    public static let largestStepBytes = 8 << 30

    /// A generous estimate of one step's memory: the weights with their gradients and AdamW's two
    /// moments, and per token of every layer the activations a backward pass keeps — the residual
    /// stream and norms, q, k, v, z, the MLP's hidden layer, a row of scores and one of the pattern
    /// per head — with their gradients, and the logits with theirs.
    public static func estimatedBytesPerStep(_ c: ModelConfig, architecture: Architecture, batch: Int, tokens: Int) -> Int {
        let parameters = ModelCount(architecture, c, encoderTokens: 0, decoderTokens: 0).parameters
        let perToken = architecture.stacks.count * c.layers * (24 * c.width + 4 * c.mlpWidth + 6 * c.heads * tokens)
        return 4 * (5 * parameters + 2 * batch * tokens * perToken + 3 * batch * tokens * c.vocabularySize)
    }

    /// The batch of step `step` (0-based): a pure function of the seed and the step.
    public func batch(at step: Int) -> [Example] { Self.batch(at: step, settings: settings, task: task) }

    /// The batch that a run with `settings` trains on at `step`: what `batch(at:)` gives, without a model.
    public static func batch(at step: Int, settings: TrainingSettings, task: TrainingTask) -> [Example] {
        var rng = SeededGenerator(seed: settings.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(step) &+ 0x5851_F42D)
        return task.batch(settings.batch, &rng)
    }

    /// One update. Throws `.diverged` (changing nothing) if the loss or the gradients are not finite.
    @discardableResult
    public func trainStep() throws -> TrainingRecord {
        let examples = batch(at: step)
        let labels = examples.map(\.labels)
        let (loss, raw, predictions) = try Self.lossAndGradients(model, examples, shards: shards)
        var gradients = raw
        let norm = clipGlobalNorm(&gradients, maxNorm: settings.clip)
        guard loss.isFinite, norm.isFinite else { throw TrainingError.diverged(step: step + 1) }
        let rate = settings.schedule.rate(at: step)
        try optimizer.update(&model.weights, gradients: gradients, learningRate: rate)
        var right = 0, labelled = 0
        for (row, predicted) in zip(labels, predictions) {
            for (label, guess) in zip(row, predicted) where label != Example.ignoreLabel {
                labelled += 1
                if label == guess { right += 1 }
            }
        }
        let record = TrainingRecord(step: step + 1, loss: loss, tokenAccuracy: labelled == 0 ? 0 : Float(right) / Float(labelled),
                                    learningRate: rate, gradientNorm: norm)
        history.append(record)
        if frameSteps.dropFirst().contains(step) { frames.append(try frame()) }
        return record
    }

    /// How many parts each batch is split into, run side by side on the cores. Measured: the toy
    /// presets' products are too small for OpenBLAS to share between two threads (2.2× slower than
    /// one), but two halves of a batch, each on one core, share well.
    public var shards: Int { Self.shards(preset: settings.preset, batch: settings.batch) }
    public static func shards(preset: Preset, batch: Int) -> Int { preset == .gpt2Small || batch < 2 ? 1 : min(2, Parallel.cores) }

    /// The batch's mean loss and its gradients, computed in `shards` parts at once and combined,
    /// each part weighted by its labelled tokens, in a fixed order (so the result is the same on
    /// every run with the same number of shards).
    public static func lossAndGradients(_ model: TransformerModel, _ examples: [Example], shards: Int) throws
        -> (loss: Float, gradients: ModelWeights, predictions: [[Int]]) {
        guard shards > 1 else { return try model.lossAndGradients(batch: examples.map(\.input), labels: examples.map(\.labels)) }
        let bounds = (0...shards).map { examples.count * $0 / shards }
        let parts = (0..<shards).map { Array(examples[bounds[$0]..<bounds[$0 + 1]]) }
        let results = ShardResults(count: shards)
        DispatchQueue.concurrentPerform(iterations: shards) { i in
            results.set(i, Result { try model.lossAndGradients(batch: parts[i].map(\.input), labels: parts[i].map(\.labels)) })
        }
        let counts = parts.map { part in part.reduce(0) { $0 + $1.labels.filter { $0 != Example.ignoreLabel }.count } }
        let total = max(counts.reduce(0, +), 1)
        var loss: Float = 0, gradients: ModelWeights?, predictions: [[Int]] = []
        for i in 0..<shards {
            let (partLoss, partGradients, partPredictions) = try results.get(i)
            let weight = Float(counts[i]) / Float(total)
            loss += partLoss * weight
            if gradients == nil { gradients = ModelWeights.zeros(like: partGradients) }
            gradients?.add(partGradients, scaled: weight)
            predictions += partPredictions
        }
        return (loss, gradients ?? model.weights, predictions)
    }

    /// Exact match and token accuracy on `samples` held-out sequences.
    public func evaluate(samples: Int) throws -> Evaluation {
        try Training.evaluate(model, on: task.heldOut(samples, seed: settings.seed))
    }

    func restoreFrames(_ saved: [AttentionFrame]) { frames = saved }

    /// The watched site of every layer on the probe, now.
    func frame() throws -> AttentionFrame {
        let tracer = Tracer(labels: labels(probe))
        let pattern = (0..<model.config.layers).map { task.watchedSite(layer: $0) }.joined(separator: ",")
        _ = try model.forward(probe.input, pass: Pass(hooks: .recording(tracer, pattern: pattern)))
        let recordings = (0..<model.config.layers).compactMap { tracer[task.watchedSite(layer: $0)] }
        return AttentionFrame(step: step, patterns: recordings.map(\.tensor),
                              rowLabels: recordings.first?.rowLabels ?? [], columnLabels: recordings.first?.columnLabels ?? [])
    }

    /// Token labels of an example's streams, from the task's vocabulary.
    public func labels(_ example: Example) -> [Stack: [String]] {
        var labels: [Stack: [String]] = [:]
        for stack in Stack.allCases {
            if let ids = example.input.tokens(stack) { labels[stack] = ids.map { task.tokenizer.label($0) } }
        }
        return labels
    }

    /// The layer and head of the watched site that shows the task best: the heaviest on the task's
    /// target keys where the task has them, else the sharpest (largest mean row maximum) at the end.
    public func clearestHead(samples: Int = 64) throws -> HeadWeight? {
        if task.attentionTargetName != nil {
            return try targetWeights(model, task: task, on: task.heldOut(samples, seed: settings.seed)).first
        }
        guard let last = frames.last else { return nil }
        var best: HeadWeight?
        for (layer, pattern) in last.patterns.enumerated() {
            let (heads, rows, columns) = (pattern.shape[0], pattern.shape[1], pattern.shape[2])
            for head in 0..<heads {
                var total = 0.0
                for row in 0..<rows {
                    var largest: Float = 0
                    for column in 0..<columns { largest = max(largest, pattern[head, row, column]) }
                    total += Double(largest)
                }
                let sharpness = total / Double(max(rows, 1))
                if sharpness > best?.weight ?? -1 { best = HeadWeight(layer: layer, head: head, weight: sharpness) }
            }
        }
        return best
    }
}

/// Each shard's result, written by its own thread into its own slot.
private final class ShardResults: @unchecked Sendable {
    private var slots: [Result<(loss: Float, gradients: ModelWeights, predictions: [[Int]]), Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ result: Result<(loss: Float, gradients: ModelWeights, predictions: [[Int]]), Error>) {
        lock.withLock { slots[i] = result }
    }
    func get(_ i: Int) throws -> (loss: Float, gradients: ModelWeights, predictions: [[Int]]) {
        guard let result = lock.withLock({ slots[i] }) else { throw TrainingError.settings("a shard of the batch did not finish") }
        return try result.get()
    }
}
