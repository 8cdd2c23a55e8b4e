import ArgumentParser
import Foundation
import Heatmap
import Reports
import Training

/// What `plot-runs` puts along x: the loss against steps, tokens or predictions, or the held-out
/// accuracy against the position in the sequence.
enum RunAxis: String, ExpressibleByArgument, CaseIterable {
    case steps, tokens, predictions, position
}

/// `attnlab plot-runs`: two or more training runs on shared axes.
struct PlotRunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot-runs",
        abstract: "Compare training runs that train saved: loss against steps, tokens or predictions, or held-out accuracy by position.",
        discussion: """
            --x steps, tokens or predictions draws each run's training loss (averaged over blocks of \
            steps) against the steps done, the input tokens its batches held so far, or the predictions \
            it was scored on so far (a causal language model predicts at every position, a masked one \
            only where it hid a word). It prints each run's totals, and every run's loss at a quarter, \
            half, three quarters and all of the largest x that every run reached. --x position draws held-out accuracy at each position of the \
            sequence, from each run's training.json, and prints it as a table.

            Examples:
              attnlab plot-runs --run Output/lm --run Output/mlm --x tokens --png Output/lm-mlm.png
              attnlab plot-runs --run Output/count-dec --run Output/count-enc --x position --png Output/count.png
            """)

    @Option(name: .customLong("run"), help: ArgumentHelp("A folder that train wrote; give one for each run, in the order of the legend.", valueName: "dir"))
    var runFolders: [String] = []

    @Option(help: "What goes along x: steps, tokens, predictions (the training loss against each), or position (held-out accuracy).")
    var x: RunAxis = .tokens

    @OptionGroup var output: OutputOptions

    static let mostRuns = 8

    func validate() throws {
        guard !runFolders.isEmpty else { throw ValidationError("give the runs to compare: --run DIR --run DIR …") }
        guard runFolders.count <= Self.mostRuns else { throw ValidationError("at most \(Self.mostRuns) runs fit one picture; got \(runFolders.count)") }
        if let empty = runFolders.firstIndex(where: \.isEmpty) { throw ValidationError("--run number \(empty + 1) is empty; give a folder") }
    }

    func run() throws {
        try output.checkPictureFile()
        let records = try runFolders.map { folder -> (folder: String, record: RunRecord) in
            let path = RunContext.resolve(folder)
            let file = URL(fileURLWithPath: path).appendingPathComponent(TrainingRun.recordFile)
            guard let data = try? Data(contentsOf: file) else {
                throw CLIError("--run \(folder): there is no readable \(TrainingRun.recordFile) in it; give a folder that train wrote")
            }
            do { return (folder, try RunRecord(json: data)) } catch { throw CLIError("--run \(folder): \(error)") }
        }
        let names = legendNames(records)
        for ((folder, r), name) in zip(records, names) {
            let s = r.settings
            let score = r.exactMatch.map { String(format: "; held-out exact match %.4f", $0) } ?? "; not evaluated"
            Console.say("\(name): \(r.task.name), \(s.preset.rawValue) \(r.layers) layers\(s.architecture == .encoderDecoder ? " per stack" : ""), "
                        + "\(r.parameters) parameters, \(r.losses.count) steps\(score) (\(folder))")
        }
        switch x {
        case .position: try positions(records.map(\.record), names: names)
        default: try losses(records.map(\.record), names: names)
        }
    }

    /// The legend's names: task and architecture, with the folder's name where two would be alike.
    private func legendNames(_ records: [(folder: String, record: RunRecord)]) -> [String] {
        let plain = records.map { "\($0.record.settings.task.rawValue) \($0.record.settings.architecture.rawValue)" }
        return zip(plain, records).map { name, run in
            plain.filter { $0 == name }.count > 1 ? "\(name) (\((run.folder as NSString).lastPathComponent))" : name
        }
    }

    private func losses(_ records: [RunRecord], names: [String]) throws {
        // x of every step, cumulative: steps done, tokens read, predictions scored.
        var curves: [[Double]] = []
        for (r, name) in zip(records, names) {
            guard !r.losses.isEmpty else { throw CLIError("\(name) has no steps recorded") }
            let work = r.work()
            let tokens = work.reduce(0) { $0 + $1.tokens }, predictions = work.reduce(0) { $0 + $1.predictions }
            Console.say("  \(name): \(tokens) tokens read, \(predictions) predictions scored: "
                        + String(format: "%.3f predictions per token", Double(predictions) / Double(max(tokens, 1))))
            var total = 0.0
            curves.append(r.losses.indices.map { step in
                switch x {
                case .steps: total = Double(step + 1)
                case .tokens: total += Double(work[step].tokens)
                default: total += Double(work[step].predictions)
                }
                return total
            })
        }
        let windows = records.map { max(1, $0.losses.count / 40) }
        // Each run's loss at a quarter, half, three quarters and all of the largest x every run
        // reached: at each, the runs have had the same number of steps, tokens or predictions.
        let common = curves.map { $0.last ?? 0 }.min() ?? 0
        let marks = (1...4).map { (common * Double($0) / 4).rounded(.down) }
        func loss(_ r: RunRecord, _ xs: [Double], window: Int, at mark: Double) -> Double {
            let last = xs.lastIndex { $0 <= mark } ?? 0
            let first = max(0, last - window + 1)
            return r.losses[first...last].reduce(0, +) / Double(last - first + 1)
        }
        let what = x == .steps ? "steps" : x == .tokens ? "tokens read" : "predictions scored"
        let width = max(names.map(\.count).max() ?? 0, what.count) + 2
        Console.say("training loss (mean of the steps up to there, as plotted) at the same number of \(what) for every run:")
        Console.say("  " + what.padding(toLength: width, withPad: " ", startingAt: 0) + marks.map { String(format: "%10.0f", $0) }.joined())
        var atMarks: [[Double]] = []
        for ((r, xs), (name, window)) in zip(zip(records, curves), zip(names, windows)) {
            atMarks.append(marks.map { loss(r, xs, window: window, at: $0) })
            Console.say("  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + atMarks.last!.map { String(format: "%10.4f", $0) }.joined())   // ok: just appended
        }

        if let png = output.pngPath {
            let series = zip(zip(records, curves), zip(names, windows)).map { pair, label in
                RunPictures.lossCurve(name: label.0, x: pair.1, losses: pair.0.losses, window: label.1)
            }
            let subtitle = "each point the mean loss of \(windows.count == 1 || Set(windows).count == 1 ? "\(windows[0]) steps" : "a 40th of a run's steps")"
            try writePicture(RunPictures.losses(series, xLabel: what, subtitle: subtitle), to: png)
        }
        if output.json {
            try JSONLine.say(["x": x.rawValue, "marks": marks,
                              "runs": zip(records, atMarks).map { r, losses in
                                  ["task": r.settings.task.rawValue, "architecture": r.settings.architecture.rawValue, "parameters": r.parameters,
                                   "steps": r.losses.count, "loss_at_marks": losses] as [String: Any]
                              }])
        }
    }

    private func positions(_ records: [RunRecord], names: [String]) throws {
        for (r, name) in zip(records, names) where r.accuracyByPosition.isEmpty {
            throw CLIError("\(name) has no held-out accuracy by position (was its training interrupted?)")
        }
        let longest = records.map(\.accuracyByPosition.count).max() ?? 0
        let width = max(names.map(\.count).max() ?? 0, 8) + 2
        Console.say("held-out accuracy at each position (— where no sequence is that long):")
        Console.say("  " + "position".padding(toLength: width, withPad: " ", startingAt: 0)
                    + (0..<longest).map { String(format: "%7d", $0) }.joined())
        for (r, name) in zip(records, names) {
            let cells = (0..<longest).map { i -> String in
                let a = i < r.accuracyByPosition.count ? r.accuracyByPosition[i] : .nan
                return a.isNaN ? "      —" : String(format: "%7.3f", a)
            }
            Console.say("  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + cells.joined())
        }
        if let png = output.pngPath {
            let series = zip(records, names).map { r, name in
                LinePlot.Series(name: name, x: r.accuracyByPosition.indices.map(Double.init), y: r.accuracyByPosition)
            }
            try writePicture(RunPictures.accuracyByPosition(series, subtitle: "on each run's held-out sequences; position i exists only in sequences longer than i"), to: png)
        }
        if output.json {
            try JSONLine.say(["x": "position", "runs": zip(records, names).map { r, name in
                ["name": name, "exact_match": r.exactMatch ?? -1, "accuracy_by_position": r.accuracyByPosition.map { $0.isNaN ? -1 : $0 }] as [String: Any]
            }])
        }
    }
}
