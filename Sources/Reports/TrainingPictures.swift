import Heatmap
import Training
import Transformer

/// The pictures a training run leaves: its curves, and one head's attention from random weights to
/// trained, side by side.
public enum TrainingPictures {
    /// What every picture of a run says first: the model, and what it was trained on and how well.
    public static func subtitle(_ run: TrainingRun, exactMatch: Double?) -> String {
        let s = run.settings
        return WeightsOrigin.subtitle(model: "\(s.architecture.rawValue) \(s.preset.rawValue) from seed \(s.seed)",
                                      origin: .trained(task: run.task.name, steps: run.step, exactMatch: exactMatch))
    }

    /// Loss and batch token accuracy against the step.
    public static func curves(_ run: TrainingRun, exactMatch: Double?) -> LinePlot {
        let steps = run.history.map { Double($0.step) }
        return LinePlot(title: "Training \(run.task.kind.rawValue)",
                        subtitle: subtitle(run, exactMatch: exactMatch) + "\n"
                            + "batch \(run.settings.batch); loss (cross-entropy, nats) and the batch's token accuracy at each step",
                        xLabel: "step", yLabel: "loss / accuracy",
                        series: [.init(name: "loss", x: steps, y: run.history.map { Double($0.loss) }),
                                 .init(name: "token accuracy", x: steps, y: run.history.map { Double($0.tokenAccuracy) })])
    }

    /// `head` of layer `layer` in every frame, left to right: attention learning.
    public static func filmstrip(_ run: TrainingRun, layer: Int, head: Int, exactMatch: Double?) -> MatrixFigure {
        let site = run.task.watchedSite(layer: layer)
        let kind = run.settings.architecture == .encoderDecoder ? "cross-attention" : "self-attention"
        let panels = run.frames.compactMap { frame -> LabelledMatrix? in
            guard layer < frame.patterns.count else { return nil }
            let pattern = frame.patterns[layer]
            let (rows, columns) = (pattern.shape[1], pattern.shape[2])
            guard head < pattern.shape[0] else { return nil }
            let values = Array(pattern.scalars[(head * rows * columns)..<((head + 1) * rows * columns)])
            // Blocked cells (the causal mask's upper triangle) are exactly 0 and drawn as such.
            let blocked = run.settings.architecture == .decoderOnly
                ? (0..<rows).flatMap { i in (0..<columns).map { j in j > i } } : nil
            return LabelledMatrix(rows: rows, columns: columns, values: values, rowLabels: frame.rowLabels,
                                  columnLabels: frame.columnLabels, blocked: blocked, caption: "step \(frame.step)")
        }
        let axes = AttentionPictures.axisTitles(cross: run.settings.architecture == .encoderDecoder)
        return MatrixFigure(title: "\(site.replacingOccurrences(of: ".pattern", with: "")) head \(head): \(kind) while learning \(run.task.kind.rawValue)",
                            subtitle: subtitle(run, exactMatch: exactMatch), panels: [panels], kind: .values(barLabel: "weight"),
                            rowTitle: axes.rows, columnTitle: axes.columns)
    }
}
