import TensorCore
import Transformer

/// Where a trained model *should* look, for the tasks where that is known, and how much weight its
/// heads really put there. This is how a lesson finds "the anti-diagonal head" or "the induction
/// head" by measurement rather than by eye.
///
/// The attention site watched: an encoder-decoder model's cross-attention (decoder rows reading
/// the source), otherwise the self-attention of the stack that makes the predictions.
extension TrainingTask {
    /// The hook name of the watched site in `layer`.
    public func watchedSite(layer: Int) -> String {
        switch architecture {
        case .encoderDecoder: "decoder.\(layer).cross_attn.pattern"
        case .decoderOnly: "decoder.\(layer).self_attn.pattern"
        case .encoderOnly: "encoder.\(layer).self_attn.pattern"
        }
    }

    /// What the watched diagonal is called in words, or nil when the task has none.
    public var attentionTargetName: String? {
        switch (kind, architecture) {
        case (.copy, .decoderOnly): "the induction diagonal (each copied token reads the token after its earlier occurrence)"
        case (.copy, _): "the diagonal (target position r reads source position r)"
        case (.reverse, _): "the anti-diagonal (target position r reads source position n−1−r)"
        case (.sort, _): "the sorted order (target position r reads where the r-th smallest symbol stands)"
        default: nil
        }
    }

    /// For each labelled target position of `example` whose source is known: the query row of the
    /// watched site and the key it should read. Empty for tasks without such a target (count, lm, mlm).
    public func attentionTargets(_ example: Example) -> [(query: Int, key: Int)] {
        guard [.copy, .reverse, .sort].contains(kind) else { return [] }
        // x, the symbols, and where x[j] stands among the keys of the watched site.
        let x: [Int], keyOfSymbol: (Int) -> Int, firstQuery: Int
        switch architecture {
        case .decoderOnly:        // <bos> x <sep> y: x[j] at j + 1; the query predicting y[r] is n + 1 + r
            let n = example.targetStart - 1
            x = Array((example.input.decoder ?? []).dropFirst().prefix(n))
            keyOfSymbol = { $0 + 1 }
            firstQuery = n + 1
        case .encoderDecoder:     // source x <eos>; decoder row r predicts y[r]
            x = Array((example.input.encoder ?? []).dropLast())
            keyOfSymbol = { $0 }
            firstQuery = 0
        case .encoderOnly:        // x itself; row r predicts y[r]
            x = example.input.encoder ?? []
            keyOfSymbol = { $0 }
            firstQuery = 0
        }
        let n = x.count
        let order: [Int]
        switch kind {
        case .reverse: order = (0..<n).map { n - 1 - $0 }
        case .sort: order = x.indices.sorted { (x[$0], $0) < (x[$1], $1) }   // stable: equal symbols keep their order
        default: order = Array(0..<n)
        }
        return order.enumerated().map { r, j in (firstQuery + r, keyOfSymbol(j)) }
    }
}

/// The mean weight one head puts on the task's target keys.
public struct HeadWeight: Sendable, Equatable {
    public let layer: Int
    public let head: Int
    public let weight: Double

    public init(layer: Int, head: Int, weight: Double) {
        self.layer = layer
        self.head = head
        self.weight = weight
    }
}

/// Every head of the watched site, with its mean weight on the task's targets over `examples`,
/// the heaviest first.
public func targetWeights(_ model: TransformerModel, task: TrainingTask, on examples: [Example]) throws -> [HeadWeight] {
    var sums = [Double](repeating: 0, count: model.config.layers * model.config.heads)
    var count = 0
    for example in examples {
        let targets = task.attentionTargets(example)
        guard !targets.isEmpty else { continue }
        let tracer = Tracer()
        _ = try model.forward(example.input, pass: Pass(hooks: .recording(tracer, pattern: task.watchedSite(layer: 0).replacingOccurrences(of: ".0.", with: ".*."))))
        for layer in 0..<model.config.layers {
            guard let pattern = tracer[task.watchedSite(layer: layer)]?.tensor else { continue }
            for head in 0..<model.config.heads {
                for (query, key) in targets where query < pattern.shape[1] && key < pattern.shape[2] {
                    sums[layer * model.config.heads + head] += Double(pattern[head, query, key])
                }
            }
        }
        count += targets.count
    }
    guard count > 0 else { return [] }
    return sums.enumerated().map { i, sum in
        HeadWeight(layer: i / model.config.heads, head: i % model.config.heads, weight: sum / Double(count))
    }.sorted { ($0.weight, -$0.layer, -$0.head) > ($1.weight, -$1.layer, -$1.head) }
}

/// Hooks that silence one head at `site` (a hook name such as `decoder.1.self_attn.pattern`): its
/// attention row becomes all 0, so it adds nothing to z. Used to measure what a head is for.
public func ablating(head: Int, at site: String) -> Hooks {
    var hooks = Hooks()
    hooks.add(site) { _, pattern in
        var silenced = pattern
        let size = pattern.shape[1] * pattern.shape[2]
        guard head < pattern.shape[0] else { return nil }
        for i in (head * size)..<((head + 1) * size) { silenced.scalars[i] = 0 }
        return silenced
    }
    return hooks
}
