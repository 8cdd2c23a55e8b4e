import Synchronization

/// Softmax along each row of a [rows, cols] block, restricted to the cells a mask allows.
///
/// Blocked cells come out exactly 0 (not e^-1e9 ≈ 0: exactly), so a picture or a test can tell
/// "not allowed to look" from "chose not to look". A row in which every cell is blocked has nothing
/// to normalise; it comes out all 0 — never NaN — and is counted in the return value so the caller
/// can report it.
///
/// - Parameters:
///   - x: [rows, cols] scores, overwritten with probabilities; row stride `cols`.
///   - mask: [maskRows, cols], 1 = may attend, 0 = blocked, reused every `maskRows` rows (so one
///     [Tq, Tk] mask serves all heads of [H, Tq, Tk] scores); nil = every cell allowed.
/// - Returns: the number of fully blocked rows.
@discardableResult
public func maskedSoftmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                              mask: UnsafePointer<Float>?, maskRows: Int? = nil) -> Int {
    let emptyRows = Atomic<Int>(0)
    Parallel.ranges(rows, workPerItem: cols * 4) { range in
        var empty = 0
        for r in range {
            let allowed = mask.map { $0 + (r % (maskRows ?? rows)) * cols }
            if !softmaxRow(x + r * cols, cols, allowed: allowed) { empty += 1 }
        }
        emptyRows.add(empty, ordering: .relaxed)
    }
    return emptyRows.load(ordering: .relaxed)
}

/// One row in place; false when no cell was allowed (the row is then all 0).
@inline(__always)
private func softmaxRow(_ row: UnsafeMutablePointer<Float>, _ cols: Int, allowed: UnsafePointer<Float>?) -> Bool {
    @inline(__always) func load(_ p: UnsafePointer<Float>, _ i: Int) -> Lanes {
        UnsafeRawPointer(p + i).loadUnaligned(as: Lanes.self)
    }
    // 1. the largest allowed score, for numerical stability
    var maximum: Float
    if let allowed {
        var acc = Lanes(repeating: -.infinity)
        var c = 0
        while c + 8 <= cols {
            let v = load(row, c)
            acc.replace(with: v, where: v .> acc .& (load(allowed, c) .!= 0))
            c += 8
        }
        maximum = acc.max()
        while c < cols { if allowed[c] != 0 { maximum = max(maximum, row[c]) }; c += 1 }
    } else {
        maximum = laneMax(row, cols)
    }
    guard maximum > -.infinity else {
        // No allowed cell, or every allowed score is NaN or -inf (broken weights): the first is a
        // blocked row, all 0; the second has no softmax, and NaN says so, as PyTorch's does.
        let anyAllowed = allowed.map { a in (0..<cols).contains { a[$0] != 0 } } ?? (cols > 0)
        for c in 0..<cols { row[c] = anyAllowed && (allowed?[c] ?? 1) != 0 ? .nan : 0 }
        return anyAllowed
    }
    // 2. shifted exponentials; blocked cells become exactly 0
    var sum: Float = 0
    var c = 0
    while c + 8 <= cols {
        var v = fastExp(load(row, c) - maximum)
        if let allowed { v.replace(with: 0, where: load(allowed, c) .== 0) }
        UnsafeMutableRawPointer(row + c).storeBytes(of: v, as: Lanes.self)
        sum += v.sum()
        c += 8
    }
    while c < cols {
        let v: Float = allowed.map { $0[c] == 0 } == true ? 0 : fastExp(row[c] - maximum)
        row[c] = v
        sum += v
        c += 1
    }
    // 3. normalise
    let inverse = 1 / sum
    for c in 0..<cols { row[c] *= inverse }
    return true
}

/// Softmax of a whole tensor along its last axis, with an optional 0/1 mask of the same shape
/// or of the shape of its last two axes (broadcast over the leading ones).
public func softmax(_ scores: Tensor, mask: Tensor? = nil) -> (probabilities: Tensor, emptyRows: Int) {
    let cols = scores.shape.last ?? 0
    let rows = cols == 0 ? 0 : scores.count / cols
    var out = scores
    var empty = 0
    if let mask {
        precondition(mask.shape.last == cols && scores.count % mask.count == 0, "mask \(mask.shape) for scores \(scores.shape)")
    }
    out.scalars.withUnsafeMutableBufferPointer { po in
        guard let base = po.baseAddress, rows > 0 else { return }
        if let mask {
            mask.scalars.withUnsafeBufferPointer { pm in
                empty = maskedSoftmaxRows(base, rows: rows, cols: cols, mask: pm.baseAddress, maskRows: mask.count / cols)
            }
        } else {
            empty = maskedSoftmaxRows(base, rows: rows, cols: cols, mask: nil)
        }
    }
    return (out, empty)
}

/// Backward of `maskedSoftmaxRows`: from the probabilities p and their gradient dp to the
/// gradient of the scores, row by row,
///
///     dscores[c] = p[c] · (dp[c] − Σ_c′ p[c′]·dp[c′])
///
/// The mask needs no argument: a blocked cell has p = 0 exactly, so its gradient is exactly 0, and
/// a fully blocked row (all 0) gets none at all.
///
/// - Parameters:
///   - dScores: [rows, cols], overwritten. May be the same buffer as `dPattern`.
///   - dPattern: [rows, cols] gradient of the probabilities.
///   - pattern: [rows, cols] the forward's output.
public func maskedSoftmaxRowsBackward(_ dScores: UnsafeMutablePointer<Float>, dPattern: UnsafePointer<Float>,
                                      pattern: UnsafePointer<Float>, rows: Int, cols: Int) {
    Parallel.ranges(rows, workPerItem: cols * 3) { range in
        for r in range {
            let p = pattern + r * cols, dp = dPattern + r * cols, out = dScores + r * cols
            var dot: Float = 0
            for c in 0..<cols { dot += p[c] * dp[c] }
            for c in 0..<cols { out[c] = p[c] * (dp[c] - dot) }
        }
    }
}
