import Dispatch
import Foundation

/// Element-wise passes (softmax, GELU, norms) split across the machine's cores.
///
/// OpenBLAS already spreads every large matrix product over the cores, but the passes between
/// products would run on one core while the others wait. `parallelRanges` cuts 0..<count into one
/// contiguous range per core and runs them at once; small jobs run inline, since handing work to
/// another thread costs a few microseconds.
public enum Parallel {
    public static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body` on disjoint ranges covering 0..<count, concurrently when each range would hold
    /// at least `minimumWork` units (count × `workPerItem`). `body` must only touch its own range.
    public static func ranges(_ count: Int, workPerItem: Int = 1, minimumWork: Int = 32_768,
                              _ body: (Range<Int>) -> Void) {
        let tasks = min(cores, count, max(1, count * workPerItem / minimumWork))
        guard tasks > 1 else {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            // The ranges are disjoint and `body` writes only its own, so sharing it is safe even
            // though the compiler cannot see that through the raw pointers it captures.
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: tasks) { task in
                shared.value((count * task / tasks)..<(count * (task + 1) / tasks))
            }
        }
    }
}

private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

extension Tensor {
    /// A tensor whose scalars `fill` writes, without zeroing them first (every scalar must be written).
    public init(shape: [Int], fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let count = shape.reduce(1, *)
        self.init(shape: shape, scalars: [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(buffer)
            initialized = count
        })
    }
}

/// Sum and maximum of `n` floats, eight lanes at a time.
@inline(__always)
public func laneSum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = Lanes(repeating: 0)
    var i = 0
    while i + 8 <= n { acc += UnsafeRawPointer(p + i).loadUnaligned(as: Lanes.self); i += 8 }
    var total = acc.sum()
    while i < n { total += p[i]; i += 1 }
    return total
}

@inline(__always)
public func laneMax(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = Lanes(repeating: -.infinity)
    var i = 0
    while i + 8 <= n {
        let v = UnsafeRawPointer(p + i).loadUnaligned(as: Lanes.self)
        acc.replace(with: v, where: v .> acc)
        i += 8
    }
    var best = acc.max()
    while i < n { best = Swift.max(best, p[i]); i += 1 }
    return best
}
