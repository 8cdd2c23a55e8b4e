import Dispatch

/// Several timed runs of one piece of work, summarised. A single timing is noise on a shared
/// machine, so every experiment that reports a time reports the median and the spread.
public struct TimingSummary: Sendable, Equatable, Codable {
    /// Milliseconds of each run, in the order they ran.
    public let runs: [Double]
    public var median: Double { Stopwatch.median(runs) }
    public var fastest: Double { runs.min() ?? 0 }
    public var slowest: Double { runs.max() ?? 0 }

    public init(runs: [Double]) { self.runs = runs }
}

public enum Stopwatch {
    /// Wall-clock milliseconds of one call of `body`.
    public static func milliseconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    /// `runs` timed calls of `body`.
    public static func time(runs: Int, _ body: () throws -> Void) rethrows -> TimingSummary {
        var times: [Double] = []
        for _ in 0..<max(runs, 0) { times.append(try milliseconds(body)) }
        return TimingSummary(runs: times)
    }

    /// The middle value (the mean of the two middle ones for an even count); 0 for none.
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
