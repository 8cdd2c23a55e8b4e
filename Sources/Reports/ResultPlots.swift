import Experiments
import Heatmap
import Transformer

/// Line plots of experiment results: what `check causality`, `rank`, `generate` and `count` draw.
extension LinePlot {
    /// How far each output position moved when one token changed: one tick per position with its
    /// token under it, and, when the changed token is among the positions drawn, a line at it.
    /// `model` is the first line of the subtitle (`WeightsOrigin.subtitle`).
    public static func causalityChange(_ probe: CausalityProbe, labels: [String], old: String, new: String = "",
                                       architecture: Architecture, model: String = "") -> LinePlot {
        let stack = probe.outputStack.rawValue
        let ticks = probe.change.indices.map { i in
            Tick(x: Double(i), label: "\(i)\n" + (i < labels.count ? Self.short(labels[i]) : "#\(i)"))
        }
        let change = new.isEmpty ? "'\(old)' changed" : "'\(old)' became '\(new)'"
        let markers = probe.changeIsInOutput ? [Marker(x: Double(probe.position), label: change)] : []
        let changedWhere = probe.changeIsInOutput ? "" : " (the change was in the encoder, at its position \(probe.position))"
        return LinePlot(title: "\(architecture.rawValue): change '\(old)' at position \(probe.position)",
                        subtitle: (model.isEmpty ? "" : model + "\n")
                            + "largest change of each \(stack) position's logits\(changedWhere); 0 means not affected at all",
                        xLabel: probe.changeIsInOutput ? "position (token)" : "\(stack) position (token)",
                        yLabel: "largest |change| of the logits",
                        series: [.init(name: "\(stack) positions", x: probe.change.indices.map(Double.init),
                                       y: probe.change.map(Double.init))],
                        xTicks: ticks, markers: markers)
    }

    /// A token short enough to sit under its tick.
    static func short(_ label: String) -> String { label.count <= 8 ? label : String(label.prefix(7)) + "." }

    /// Singular values of a causal and a bidirectional pattern, largest first, with the float32 noise
    /// floor under which they mean nothing.
    public static func singularValues(_ comparison: RankComparison, subtitle: String) -> LinePlot {
        var series: [LinePlot.Series] = []
        for (name, analysis) in [("causal", comparison.causal), ("bidirectional", comparison.bidirectional)] {
            series.append(.init(name: name, y: analysis.singularValues.map(Double.init)))
        }
        let floor = Double(max(comparison.causal.noiseFloor, comparison.bidirectional.noiseFloor))
        let n = comparison.causal.singularValues.count
        series.append(.init(name: "float32 noise floor", x: [1, Double(max(n, 2))], y: [floor, floor]))
        return LinePlot(title: "Singular values: causal vs bidirectional", subtitle: subtitle,
                        xLabel: "index (largest first)", yLabel: "singular value", series: series, logY: true)
    }

    /// Matrix-product work of generating, with the KV cache and recomputing the whole sequence:
    /// each token's, and the total so far, in which the cache's (almost) linear growth and
    /// recomputing's quadratic growth show. Drawn one above the other (`render(stacked:)`).
    public static func generationWork(_ trace: GenerationTrace, subtitle: String) -> [LinePlot] {
        let xs = trace.steps.map { Double($0.index + 1) }
        let cached = trace.steps.map { Double($0.flopsCached) / 1e6 }, recomputed = trace.steps.map { Double($0.flopsRecomputed) / 1e6 }
        func runningTotal(_ values: [Double]) -> [Double] { values.reduce(into: []) { $0.append(($0.last ?? 0) + $1) } }
        return [
            LinePlot(title: "Work per generated token", subtitle: subtitle + "\nmatrix-product FLOPs of each step",
                     xLabel: "tokens generated", yLabel: "MFLOP",
                     series: [.init(name: "with the KV cache", x: xs, y: cached), .init(name: "recomputing the sequence", x: xs, y: recomputed)]),
            LinePlot(title: "Total work so far",
                     subtitle: "the sum of the steps above: with the KV cache it grows (almost) linearly with the tokens;\n"
                        + "recomputing the whole sequence at every step, quadratically",
                     xLabel: "tokens generated", yLabel: "MFLOP, in total",
                     series: [.init(name: "with the KV cache", x: xs, y: runningTotal(cached)),
                              .init(name: "recomputing the sequence", x: xs, y: runningTotal(recomputed))]),
        ]
    }

    /// Parameters of the three architectures against depth.
    public static func parametersByDepth(_ comparison: ArchitectureComparison, depths: [Int]) -> LinePlot {
        let c = comparison.config
        return LinePlot(title: "Parameters by depth",
                        subtitle: "width \(c.width), vocabulary \(c.vocabularySize); \(WeightsOrigin.none.description)\n"
                            + "encoder-only and decoder-only coincide; an encoder-decoder has two stacks of that depth",
                        xLabel: "layers per stack", yLabel: "parameters (millions)",
                        series: comparison.parametersByDepth(depths).map { row in
                            .init(name: row.architecture.rawValue, x: depths.map(Double.init), y: row.parameters.map { Double($0) / 1e6 })
                        })
    }
}
