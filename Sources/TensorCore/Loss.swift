import Foundation

/// Softmax cross-entropy over a vocabulary, with PyTorch's ignore label, forward and backward in
/// one pass (as llm.c's `crossentropy_softmax_backward` fuses them): the probabilities are needed
/// for both, so they are computed once.
public enum CrossEntropy {
    /// The label that asks for no loss at a position (PyTorch's `ignore_index` default).
    public static let ignoreLabel = -100

    /// Mean loss over the rows whose label is not `ignoreLabel`, and its gradient.
    ///
    ///     loss = (1/N) Σ_{t counted} (logsumexp(logits[t]) − logits[t, label_t])
    ///     dLogits[t] = (softmax(logits[t]) − onehot(label_t)) / N  for counted rows, 0 for ignored ones
    ///
    /// - Parameters:
    ///   - dLogits: [rows, vocab], overwritten.
    ///   - logits: [rows, vocab].
    ///   - labels: [rows], each in 0..<vocab or `ignoreLabel` (checked by the caller).
    ///   - count: N, the number of counted rows of the whole batch (this call may be part of it);
    ///     the gradient is divided by it. 0 gives a zero gradient.
    /// - Returns: the sum (not the mean) of the counted rows' losses, in Double, so that a caller
    ///   splitting a batch into parts adds them up without rounding each part.
    public static func lossAndGradient(dLogits: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
                                       labels: [Int], rows: Int, vocab: Int, count: Int) -> Double {
        var losses = [Double](repeating: 0, count: rows)
        let scale = count > 0 ? 1 / Float(count) : 0
        losses.withUnsafeMutableBufferPointer { pl in
            labels.withUnsafeBufferPointer { labels in
                Parallel.ranges(rows, workPerItem: vocab * 4) { range in
                    for t in range {
                        let row = logits + t * vocab, out = dLogits + t * vocab
                        let label = labels[t]
                        guard label != ignoreLabel else { out.update(repeating: 0, count: vocab); continue }
                        // Shifted exponentials; their sum in a fixed order (lane sums, then the tail).
                        let maximum = laneMax(row, vocab)
                        for c in 0..<vocab { out[c] = row[c] - maximum }
                        mapLanes(UnsafeMutableBufferPointer(start: out, count: vocab)) { fastExp($0) }
                        let sum = laneSum(out, vocab)
                        pl[t] = log(Double(sum)) - Double(row[label] - maximum)
                        let inverse = scale / sum
                        for c in 0..<vocab { out[c] *= inverse }
                        out[label] -= scale
                    }
                }
            }
        }
        // Row order, one thread: the same bits every run.
        return losses.reduce(0, +)
    }
}
