import Foundation

/// The learning rate as a pure function of the step: a linear warm-up from near 0 to `peak`, then
/// half a cosine down to `minimum` at `totalSteps`, and `minimum` after that (as nanoGPT and llm.c).
///
/// Warm-up matters for Adam: its first second-moment estimates rest on a handful of gradients, so
/// full-size steps then can throw the weights far. The cosine spends most steps at a useful rate and
/// lands softly.
public struct LearningRateSchedule: Sendable, Equatable {
    public var peak: Float
    public var minimum: Float
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(peak: Float, minimum: Float = 0, warmupSteps: Int = 0, totalSteps: Int) {
        self.peak = peak; self.minimum = minimum; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps
    }

    /// A constant rate.
    public static func constant(_ rate: Float) -> LearningRateSchedule {
        LearningRateSchedule(peak: rate, minimum: rate, warmupSteps: 0, totalSteps: 0)
    }

    /// Problems that make the schedule unusable, in words; empty when it is fine.
    public var problems: [String] {
        var found: [String] = []
        if !(peak.isFinite && peak >= 0) { found.append("the peak learning rate must be a number ≥ 0") }
        if !(minimum.isFinite && minimum >= 0 && minimum <= peak) {
            found.append("the minimum learning rate must be between 0 and the peak")
        }
        if warmupSteps < 0 || totalSteps < 0 { found.append("step counts cannot be negative") }
        return found
    }

    /// The rate for update `step` (0 = the first). Warm-up steps 0..<w give peak·1/w … peak·w/w,
    /// so the last warm-up step already uses the peak and the very first is not 0.
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        guard step < totalSteps else { return minimum }
        let decaySteps = totalSteps - warmupSteps    // > 0 here, since warmupSteps ≤ step < totalSteps
        let progress = Double(step - warmupSteps) / Double(decaySteps)     // 0 → 1
        let coefficient = 0.5 * (1 + cos(Double.pi * progress))             // 1 → 0
        return minimum + Float(coefficient) * (peak - minimum)
    }
}
