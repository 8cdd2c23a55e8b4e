/// Softmax along each row of a [rows, cols] block, restricted to the cells a mask allows.
///
/// Blocked cells come out exactly 0 (not e^-1e9 ≈ 0: exactly), so a picture or a test can tell
/// "not allowed to look" from "chose not to look". A row in which every cell is blocked has nothing
/// to normalise; it comes out all 0 — never NaN — and is counted in the return value so the caller
/// can report it.
///
/// - Parameters:
///   - x: [rows, cols] scores, overwritten with probabilities; row stride `cols`.
///   - mask: [rows, cols], 1 = may attend, 0 = blocked; nil = every cell allowed.
/// - Returns: the number of fully blocked rows.
@discardableResult
public func maskedSoftmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                              mask: UnsafePointer<Float>?) -> Int {
    var emptyRows = 0
    for r in 0..<rows {
        let row = x + r * cols
        let allowed = mask.map { $0 + r * cols }
        // 1. the largest allowed score, for numerical stability
        var maximum = -Float.infinity
        for c in 0..<cols where allowed == nil || allowed![c] != 0 { maximum = max(maximum, row[c]) }
        if maximum == -Float.infinity {
            // every cell blocked (or every allowed score is -inf): nothing to attend to
            for c in 0..<cols { row[c] = 0 }
            emptyRows += 1
            continue
        }
        // 2. shifted exponentials, eight lanes at a time; blocked cells become exactly 0
        var sum: Float = 0
        var c = 0
        while c + 8 <= cols {
            var v = fastExp(UnsafeRawPointer(row + c).loadUnaligned(as: Lanes.self) - maximum)
            if let allowed {
                let m = UnsafeRawPointer(allowed + c).loadUnaligned(as: Lanes.self)
                v.replace(with: 0, where: m .== 0)
            }
            UnsafeMutableRawPointer(row + c).storeBytes(of: v, as: Lanes.self)
            sum += v.sum()
            c += 8
        }
        while c < cols {
            let v: Float = (allowed == nil || allowed![c] != 0) ? fastExp(row[c] - maximum) : 0
            row[c] = v
            sum += v
            c += 1
        }
        // 3. normalise
        let inverse = 1 / sum
        for c in 0..<cols { row[c] *= inverse }
    }
    return emptyRows
}

/// Softmax of a whole tensor along its last axis, with an optional 0/1 mask of the same shape
/// (or of the shape of the last two axes, broadcast over the leading ones).
public func softmax(_ scores: Tensor, mask: Tensor? = nil) -> (probabilities: Tensor, emptyRows: Int) {
    let cols = scores.shape.last ?? 0
    let rows = cols == 0 ? 0 : scores.count / cols
    var out = scores
    var empty = 0
    out.scalars.withUnsafeMutableBufferPointer { po in
        guard let base = po.baseAddress, rows > 0 else { return }
        if let mask {
            precondition(scores.count % mask.count == 0 && mask.shape.last == cols, "mask \(mask.shape) for scores \(scores.shape)")
            let blockRows = mask.count / cols
            mask.scalars.withUnsafeBufferPointer { pm in
                for start in stride(from: 0, to: rows, by: blockRows) {
                    empty += maskedSoftmaxRows(base + start * cols, rows: blockRows, cols: cols, mask: pm.baseAddress)
                }
            }
        } else {
            empty = maskedSoftmaxRows(base, rows: rows, cols: cols, mask: nil)
        }
    }
    return (out, empty)
}
