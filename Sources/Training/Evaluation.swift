import Foundation
import TensorCore
import Transformer

/// How well a model does on a set of examples, scored with teacher forcing: every labelled position's
/// prediction is the argmax of its logits, with the true tokens before it as input.
///
/// For these tasks that gives the same exact match as greedy decoding: if every teacher-forced
/// prediction of a sequence is right, greedy decoding feeds itself exactly the true tokens and so
/// reproduces them; if one is wrong, greedy decoding goes wrong at the first such position too.
/// Token accuracy does differ: after a greedy mistake everything later is conditioned on it.
public struct Evaluation: Sendable, Equatable {
    /// Fraction of sequences with every labelled token right.
    public let exactMatch: Double
    /// Fraction of labelled tokens right.
    public let tokenAccuracy: Double
    /// Mean cross-entropy (natural log) of the labelled tokens.
    public let loss: Double
    /// Number of sequences.
    public let samples: Int
    /// Accuracy per target index (`Example.targetStart` is index 0; for count, the position in x).
    /// NaN at an index no example labels (a rare mlm position, say); `labelledByPosition` says how many.
    public let accuracyByPosition: [Double]
    public let labelledByPosition: [Int]
}

/// Scores `model` on `examples`, running them `batchSize` at a time through `forward(batch:)`.
public func evaluate(_ model: TransformerModel, on examples: [Example], batchSize: Int = 64, pass: Pass = Pass()) throws -> Evaluation {
    guard !examples.isEmpty else { throw TaskError.evaluation("there are no examples") }
    guard batchSize > 0 else { throw TaskError.evaluation("the batch size is \(batchSize); it must be at least 1") }
    var tally = Tally()
    for start in stride(from: 0, to: examples.count, by: batchSize) {
        let chunk = examples[start..<min(start + batchSize, examples.count)]
        let logits = try model.forward(batch: chunk.map(\.input), pass: pass)
        for (example, rows) in zip(chunk, logits) {
            guard rows.shape[0] == example.labels.count else {
                throw TaskError.evaluation("an example has \(example.labels.count) labels for \(rows.shape[0]) output positions")
            }
            tally.add(example, logits: rows)
        }
    }
    return tally.evaluation
}

/// Running counts for `evaluate`.
private struct Tally {
    var sequences = 0, sequencesRight = 0
    var tokens = 0, tokensRight = 0
    var lossSum: Double = 0
    var byPosition: [(labelled: Int, right: Int)] = []

    mutating func add(_ example: Example, logits: Tensor) {
        var allRight = true
        for position in example.labelledPositions {
            let row = logits.row(position)
            let label = example.labels[position]
            let right = argmax(row) == label
            allRight = allRight && right
            tokens += 1
            tokensRight += right ? 1 : 0
            lossSum += crossEntropy(row, label: label)
            let index = position - example.targetStart
            if index >= 0 {
                while byPosition.count <= index { byPosition.append((0, 0)) }
                byPosition[index].labelled += 1
                byPosition[index].right += right ? 1 : 0
            }
        }
        sequences += 1
        sequencesRight += allRight ? 1 : 0
    }

    var evaluation: Evaluation {
        Evaluation(exactMatch: fraction(sequencesRight, sequences), tokenAccuracy: fraction(tokensRight, tokens),
                   loss: tokens == 0 ? 0 : lossSum / Double(tokens), samples: sequences,
                   accuracyByPosition: byPosition.map { $0.labelled == 0 ? .nan : fraction($0.right, $0.labelled) },
                   labelledByPosition: byPosition.map(\.labelled))
    }

    private func fraction(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }
}

/// −log softmax(row)[label], computed stably (max subtracted, in Double). A label outside the row
/// counts as infinitely wrong.
func crossEntropy(_ row: [Float], label: Int) -> Double {
    guard row.indices.contains(label) else { return .infinity }
    let top = Double(row.max() ?? 0)
    let sum = row.reduce(0.0) { $0 + exp(Double($1) - top) }
    return top + log(sum) - Double(row[label])
}
