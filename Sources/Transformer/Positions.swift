import Foundation
import TensorCore

/// Fixed sinusoidal position vectors of "Attention Is All You Need":
/// PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(p / 10000^(2i/d)).   → [positions.count, d]
public func sinusoidalPositions(_ positions: Range<Int>, width d: Int) -> Tensor {
    var out = Tensor(zeros: [positions.count, d])
    for (row, p) in positions.enumerated() {
        for i in stride(from: 0, to: d, by: 2) {
            let angle = Double(p) / pow(10_000, Double(i) / Double(d))
            out[row, i] = Float(sin(angle))
            if i + 1 < d { out[row, i + 1] = Float(cos(angle)) }
        }
    }
    return out
}

/// T5's bucket for a key at relative distance `keyMinusQuery` from its query.
///
/// Half the buckets (all of them, for a causal decoder which never sees positive distances) count
/// exact small distances; the rest cover larger distances on a log scale up to `maxDistance`,
/// beyond which everything shares the last bucket. A bidirectional stack spends the other half on
/// keys to the right of the query.
public func relativePositionBucket(_ keyMinusQuery: Int, bidirectional: Bool, buckets: Int, maxDistance: Int) -> Int {
    var buckets = buckets
    var bucket = 0
    var distance: Int
    if bidirectional {
        buckets /= 2
        if keyMinusQuery > 0 { bucket += buckets }
        distance = abs(keyMinusQuery)
    } else {
        distance = max(-keyMinusQuery, 0)
    }
    let maxExact = buckets / 2
    if distance < maxExact { return bucket + distance }
    // In Float32 and truncated, exactly as T5's reference code computes it.
    let logRatio = log(Float(distance) / Float(maxExact)) / Float(log(Double(maxDistance) / Double(maxExact)))
    let large = maxExact + Int(logRatio * Float(buckets - maxExact))
    return bucket + min(large, buckets - 1)
}

/// The relative position bias of one stack, [H, Tq, Tk]: table [buckets, H] looked up by each
/// query-key distance. Computed once per call and added to the scores of every layer, as T5 does.
public func relativePositionBias(table: Tensor, queries: Range<Int>, keys: Int, bidirectional: Bool,
                                 maxDistance: Int) -> Tensor {
    let buckets = table.shape[0], heads = table.shape[1]
    var out = Tensor(zeros: [heads, queries.count, keys])
    for (row, i) in queries.enumerated() {
        for j in 0..<keys {
            let b = relativePositionBucket(j - i, bidirectional: bidirectional, buckets: buckets, maxDistance: maxDistance)
            for h in 0..<heads { out[h, row, j] = table[b, h] }
        }
    }
    return out
}

/// Backward of `relativePositionBias`: each table cell [bucket, h] collects the gradient of every
/// score cell [h, i, j] whose distance j − i falls in that bucket (summed in row order, so the
/// same bits every run).
///
/// - Parameters:
///   - dTable: [buckets, H] accumulated (+=).
///   - dBias: [H, Tq, Tk] the gradient of the bias, i.e. of the scores (summed over the layers and
///     sequences that shared the bias).
public func relativePositionBiasBackward(dTable: inout Tensor, dBias: Tensor, queries: Range<Int>, keys: Int,
                                         bidirectional: Bool, maxDistance: Int) {
    let buckets = dTable.shape[0], heads = dTable.shape[1]
    precondition(dBias.shape == [heads, queries.count, keys], "relative bias backward: \(dBias.shape) for \(dTable.shape)")
    for (row, i) in queries.enumerated() {
        for j in 0..<keys {
            let b = relativePositionBucket(j - i, bidirectional: bidirectional, buckets: buckets, maxDistance: maxDistance)
            for h in 0..<heads { dTable[b, h] += dBias[h, row, j] }
        }
    }
}
