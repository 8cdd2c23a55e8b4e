import ArgumentParser
import Checkpoints
import Foundation
import Training
import Transformer

/// `attnlab eval`: score a trained model on held-out sequences of its task.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score a model that train saved: exact match and token accuracy on held-out sequences.",
        discussion: """
            The held-out sequences come from a seed stream of their own, separate from the training \
            batches. --task scores the model on another task with the same vocabulary (a copy model \
            on reverse, say); by default it is the task the model was trained on (from training.json).

            --head-weights measures, for every layer and head, the mean attention weight on where the task \
            says a head should look (reverse: the anti-diagonal of the cross-attention; copy on a \
            decoder-only model: the induction diagonal, each copied token reading the token it copies) \
            and names the strongest head. --ablate silences one head while scoring (its attention \
            weights set to 0, so it adds nothing to its layer's output) and prints how far the scores \
            fall. --untrained does all this for the weights the run started from (step 0).

            Examples:
              attnlab eval --model Output/reverse --json
              attnlab eval --model trained:copy-decoder-only-tiny-seed0-800 --head-weights --ablate strongest
            """)

    @OptionGroup var checkpoint: CheckpointOption
    @OptionGroup var taskOption: TaskOption
    @OptionGroup var output: JSONOption

    @Option(parsing: .unconditional, help: "How many held-out sequences, 1...100000.")
    var samples = 1000

    @Flag(name: .customLong("head-weights"), help: "For every layer and head, the mean attention weight on the task's target keys (the anti-diagonal for reverse, the induction diagonal for copy on a decoder-only model); names the strongest.")
    var headWeights = false

    @Option(help: ArgumentHelp("Silence one head while scoring and print how far the scores fall: L.H (layer.head), 'strongest' (most weight on the task's target keys) or 'weakest' (least); 'each' silences every head in turn and prints a table of the falls.",
                               valueName: "head"))
    var ablate: HeadChoice?

    @Flag(help: "Score the weights the run started from (step 0: the seeded random model) instead of the trained ones.")
    var untrained = false

    func validate() throws {
        guard checkpoint.model != nil else { throw ValidationError("give the trained model's folder: --model DIR") }
        try Limits.check(samples, "--samples", 1...100_000)
    }

    func run() throws {
        let folderURL = try ModelLocation.folder(for: checkpoint.model ?? "")
        let folder = folderURL.relativePath
        var model = try Checkpoint.load(from: folderURL).model
        let recordURL = folderURL.appendingPathComponent(TrainingRun.recordFile)
        guard let data = try? Data(contentsOf: recordURL),
              let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let settingsObject = record["settings"] as? [String: Any] else {
            throw CLIError("\(recordURL.path) is missing or unreadable: eval needs the training record to know the task's sizes")
        }
        var settings = try TrainingSettings(json: settingsObject)
        if untrained {
            // The very weights TrainingRun starts from: the same seed, architecture and shape.
            let trainedConfig = model.config
            model = try TransformerModel.random(model.architecture, trainedConfig, seed: settings.seed)
        }
        // A head by number is checked against the model before anything is evaluated.
        if case .numbered = ablate { _ = try ablate?.resolve([], config: model.config) }
        if let task = taskOption.task { settings.task = task }
        let task = try TrainingTask(settings.task, architecture: model.architecture, symbols: settings.symbols, length: settings.length)
        guard task.vocabulary.count == model.config.vocabularySize, task.maxInputLength <= model.config.maxLength else {
            throw CLIError("the model was trained with another vocabulary or length; \(task.name) does not fit it")
        }
        let examples = task.heldOut(samples, seed: settings.seed)
        let which = untrained ? " (untrained: the weights of step 0)" : ""
        var json: [String: Any] = ["task": settings.task.rawValue, "untrained": untrained]

        // The weight on the target keys, per head: needed for --head-weights and to resolve strongest/weakest.
        var weights: [HeadWeight] = []
        if headWeights || ablate?.needsWeights == true {
            guard let target = task.attentionTargetName else {
                throw CLIError("\(task.kind.rawValue) has no keys a head should look at (only copy, reverse and sort do); leave out --head-weights, and give --ablate as L.H")
            }
            Console.progress("measuring every head's attention on \(samples) held-out sequences…")
            weights = try targetWeights(model, task: task, on: examples)
            Console.progress("")
            if headWeights { sayHeads(weights, task: task, target: target, folder: folder, which: which) }
            json["heads"] = weights.sorted { ($0.layer, $0.head) < ($1.layer, $1.head) }.map {
                ["layer": $0.layer, "head": $0.head, "weight": $0.weight] as [String: Any]
            }
        }

        Console.progress("evaluating \(samples) held-out sequences…")
        let evaluation = try evaluate(model, on: examples)
        Console.progress("")
        if !headWeights { Console.say("\(task.name), \(folder)\(which)") }
        Console.say(String(format: "exact match %.4f, token accuracy %.4f, loss %.4f on %d held-out sequences",
                           evaluation.exactMatch, evaluation.tokenAccuracy, evaluation.loss, evaluation.samples))
        let byPosition = evaluation.accuracyByPosition.enumerated().map { i, a in a.isNaN ? "\(i): —" : String(format: "%d: %.3f", i, a) }
        Console.say("accuracy by target position: " + byPosition.joined(separator: "  "))
        json.merge(["exact_match": evaluation.exactMatch, "token_accuracy": evaluation.tokenAccuracy,
                    "loss": evaluation.loss, "samples": evaluation.samples,
                    "accuracy_by_position": evaluation.accuracyByPosition.map { $0.isNaN ? -1 : $0 }]) { $1 }

        if ablate == .each {
            json["ablated_each"] = try ablateEach(model, task: task, examples: examples, intact: evaluation)
        } else if let ablate {
            let (layer, head) = try ablate.resolve(weights, config: model.config)
            let site = task.watchedSite(layer: layer)
            Console.progress("evaluating again with layer \(layer) head \(head) silenced…")
            let silenced = try evaluate(model, on: examples, pass: Pass(hooks: ablating(head: head, at: site)))
            Console.progress("")
            let weight = weights.first { $0.layer == layer && $0.head == head }
                .map { String(format: " (weight %.3f on the target)", $0.weight) } ?? ""
            Console.say("silencing layer \(layer) head \(head)\(weight), \(site.replacingOccurrences(of: ".pattern", with: "")) set to 0:")
            Console.say(String(format: "  exact match %.4f (was %.4f: falls by %.4f), token accuracy %.4f (was %.4f: falls by %.4f)",
                               silenced.exactMatch, evaluation.exactMatch, evaluation.exactMatch - silenced.exactMatch,
                               silenced.tokenAccuracy, evaluation.tokenAccuracy, evaluation.tokenAccuracy - silenced.tokenAccuracy))
            json["ablated"] = ["layer": layer, "head": head, "exact_match": silenced.exactMatch, "token_accuracy": silenced.tokenAccuracy,
                               "exact_match_fall": evaluation.exactMatch - silenced.exactMatch,
                               "token_accuracy_fall": evaluation.tokenAccuracy - silenced.tokenAccuracy] as [String: Any]
        }
        if output.json { try JSONLine.say(json) }
    }

    /// Every head silenced in turn: a layers × heads table of how far exact match falls.
    private func ablateEach(_ model: TransformerModel, task: TrainingTask, examples: [Example], intact: Evaluation) throws -> [[String: Any]] {
        var rows: [[String: Any]] = []
        var table: [[Double]] = []
        for layer in 0..<model.config.layers {
            var falls: [Double] = []
            for head in 0..<model.config.heads {
                Console.progress("silencing layer \(layer) head \(head)…")
                let silenced = try evaluate(model, on: examples, pass: Pass(hooks: ablating(head: head, at: task.watchedSite(layer: layer))))
                falls.append(intact.exactMatch - silenced.exactMatch)
                rows.append(["layer": layer, "head": head, "exact_match": silenced.exactMatch, "token_accuracy": silenced.tokenAccuracy,
                             "exact_match_fall": intact.exactMatch - silenced.exactMatch])
            }
            table.append(falls)
        }
        Console.progress("")
        let site = task.watchedSite(layer: 0).split(separator: ".").dropFirst(2).first.map(String.init) ?? "attention"
        Console.say("how far exact match falls with one \(site) head silenced (from \(String(format: "%.4f", intact.exactMatch))):")
        Console.say("         " + (0..<model.config.heads).map { String(format: "  head %-2d", $0) }.joined())
        for (layer, falls) in table.enumerated() {
            Console.say(String(format: "layer %-2d ", layer) + falls.map { String(format: "  %7.4f", $0) }.joined())
        }
        if let worst = rows.max(by: { ($0["exact_match_fall"] as? Double ?? 0) < ($1["exact_match_fall"] as? Double ?? 0) }) {
            Console.say(String(format: "largest fall: layer %d head %d, by %.4f", worst["layer"] as? Int ?? 0, worst["head"] as? Int ?? 0,
                               worst["exact_match_fall"] as? Double ?? 0))
        }
        return rows
    }

    /// The layers × heads table of weights on the target, and the strongest head by name.
    private func sayHeads(_ weights: [HeadWeight], task: TrainingTask, target: String, folder: String, which: String) {
        Console.say("\(task.name), \(folder)\(which)")
        let site = task.watchedSite(layer: 0).replacingOccurrences(of: "decoder.0.", with: "").replacingOccurrences(of: "encoder.0.", with: "")
            .replacingOccurrences(of: ".pattern", with: "")
        Console.say("mean \(site) weight on \(target), on \(samples) held-out sequences:")
        let layers = (weights.map(\.layer).max() ?? -1) + 1, count = (weights.map(\.head).max() ?? -1) + 1
        Console.say("         " + (0..<count).map { String(format: "  head %-2d", $0) }.joined())
        for layer in 0..<layers {
            let row = (0..<count).map { head in
                String(format: "  %7.3f", weights.first { $0.layer == layer && $0.head == head }?.weight ?? .nan)
            }
            Console.say(String(format: "layer %-2d ", layer) + row.joined())
        }
        if let best = weights.first {
            Console.say(String(format: "strongest: layer %d head %d, mean weight %.3f on the target", best.layer, best.head, best.weight))
        }
    }
}

/// Which head `eval --ablate` silences: one by number, or the strongest or weakest on the task's target.
enum HeadChoice: ExpressibleByArgument, Equatable {
    case numbered(layer: Int, head: Int)
    case strongest, weakest, each

    init?(argument: String) {
        switch argument {
        case "strongest": self = .strongest
        case "weakest": self = .weakest
        case "each": self = .each
        default:
            let parts = argument.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, let layer = Int(parts[0]), let head = Int(parts[1]), layer >= 0, head >= 0 else { return nil }
            self = .numbered(layer: layer, head: head)
        }
    }

    static var defaultCompletionKind: CompletionKind { .list(["strongest", "weakest", "each"]) }

    var needsWeights: Bool { self == .strongest || self == .weakest }

    func resolve(_ weights: [HeadWeight], config: ModelConfig) throws -> (layer: Int, head: Int) {
        switch self {
        case .numbered(let layer, let head):
            guard layer < config.layers, head < config.heads else {
                throw CLIError("--ablate \(layer).\(head): the model has layers 0...\(config.layers - 1) and heads 0...\(config.heads - 1)")
            }
            return (layer, head)
        case .each:
            throw CLIError("--ablate each silences every head in turn, not one")
        case .strongest, .weakest:
            guard let chosen = self == .strongest ? weights.first : weights.last else { throw CLIError("no head was measured") }
            return (chosen.layer, chosen.head)
        }
    }
}
