import Experiments
import Heatmap
import Transformer

/// Line plots of experiment results: what `check causality`, `rank`, `generate` and `count` draw.
extension LinePlot {
    /// How far each output position moved when one token changed.
    public static func causalityChange(_ probe: CausalityProbe, labels: [String], old: String, architecture: Architecture) -> LinePlot {
        LinePlot(title: "\(architecture.rawValue): change '\(old)' at position \(probe.position)",
                 subtitle: "largest change of each position's logits; 0 means not affected at all",
                 xLabel: "position", yLabel: "largest |change| of the logits",
                 series: [.init(name: "\(probe.outputStack.rawValue) positions", x: probe.change.indices.map(Double.init),
                                y: probe.change.map(Double.init))])
    }

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

    /// Matrix-product work of each generated token, with the KV cache and recomputing the sequence.
    public static func generationWork(_ trace: GenerationTrace, subtitle: String) -> LinePlot {
        let xs = trace.steps.map { Double($0.index + 1) }
        return LinePlot(title: "Work per generated token", subtitle: subtitle, xLabel: "step", yLabel: "MFLOP",
                        series: [.init(name: "with the KV cache", x: xs, y: trace.steps.map { Double($0.flopsCached) / 1e6 }),
                                 .init(name: "recomputing the sequence", x: xs, y: trace.steps.map { Double($0.flopsRecomputed) / 1e6 })])
    }

    /// Parameters of the three architectures against depth.
    public static func parametersByDepth(_ comparison: ArchitectureComparison, depths: [Int]) -> LinePlot {
        let c = comparison.config
        return LinePlot(title: "Parameters by depth",
                        subtitle: "width \(c.width), vocabulary \(c.vocabularySize); encoder-only and decoder-only coincide; an encoder-decoder has two stacks of that depth",
                        xLabel: "layers per stack", yLabel: "parameters (millions)",
                        series: comparison.parametersByDepth(depths).map { row in
                            .init(name: row.architecture.rawValue, x: depths.map(Double.init), y: row.parameters.map { Double($0) / 1e6 })
                        })
    }
}
