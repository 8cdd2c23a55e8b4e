import Heatmap
import Training

/// Several training runs on shared axes: what `plot-runs` draws.
public enum RunPictures {
    /// One run's curve: the loss against `x` (steps, tokens or predictions so far, one value per
    /// step), averaged over blocks of `window` steps so that the batches' noise does not hide the trend.
    public static func lossCurve(name: String, x: [Double], losses: [Double], window: Int) -> LinePlot.Series {
        var xs: [Double] = [], ys: [Double] = []
        for start in stride(from: 0, to: losses.count, by: max(window, 1)) {
            let end = min(start + max(window, 1), losses.count)
            xs.append(x[end - 1])
            ys.append(losses[start..<end].reduce(0, +) / Double(end - start))
        }
        return LinePlot.Series(name: name, x: xs, y: ys)
    }

    public static func losses(_ series: [LinePlot.Series], xLabel: String, subtitle: String) -> LinePlot {
        LinePlot(title: "Training loss against \(xLabel)", subtitle: subtitle, xLabel: xLabel,
                 yLabel: "loss (cross-entropy, nats)", series: series)
    }

    /// Held-out accuracy at each target position, one line per run.
    public static func accuracyByPosition(_ series: [LinePlot.Series], subtitle: String) -> LinePlot {
        LinePlot(title: "Held-out accuracy by position", subtitle: subtitle, xLabel: "position in the sequence (0 = first)",
                 yLabel: "accuracy", series: series)
    }
}
