import Foundation

/// Round tick values for an axis or a colour bar, and how to print them.
enum Ticks {
    /// About `count` values of the form k·step (step 1, 2, 2.5 or 5 × 10ⁿ) within low...high.
    static func nice(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
        guard high > low, low.isFinite, high.isFinite else { return [low] }
        let rough = (high - low) / Double(max(count - 1, 1))
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let first = ceil(low / step - 1e-9) * step
        return stride(from: first, through: high + step * 1e-9, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
    }

    /// Powers of ten within low...high (both > 0), for a logarithmic axis.
    static func decades(_ low: Double, _ high: Double) -> [Double] {
        guard low > 0, high > low else { return [low] }
        return (Int(floor(log10(low)))...Int(ceil(log10(high)))).map { pow(10, Double($0)) }.filter { $0 >= low * 0.999 && $0 <= high * 1.001 }
    }

    /// Short, exact-looking text: "0", "0.25", "-1.5", "120", "1e-06".
    static func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        if abs(value) >= 10_000 || abs(value) < 0.001 {
            return String(format: "%.0e", value).replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e")
        }
        var text = String(format: "%.3f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
