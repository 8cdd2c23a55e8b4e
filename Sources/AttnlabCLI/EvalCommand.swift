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

            Example:
              attnlab eval --model Output/reverse --json
            """)

    @OptionGroup var checkpoint: CheckpointOption
    @OptionGroup var taskOption: TaskOption
    @OptionGroup var output: JSONOption

    @Option(parsing: .unconditional, help: "How many held-out sequences, 1...100000.")
    var samples = 1000

    func validate() throws {
        guard checkpoint.model != nil else { throw ValidationError("give the trained model's folder: --model DIR") }
        try Limits.check(samples, "--samples", 1...100_000)
    }

    func run() throws {
        let folderURL = try ModelLocation.folder(for: checkpoint.model ?? "")
        let folder = folderURL.relativePath
        let built = try Checkpoint.load(from: folderURL).model
        let recordURL = folderURL.appendingPathComponent(TrainingRun.recordFile)
        guard let data = try? Data(contentsOf: recordURL),
              let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let settingsObject = record["settings"] as? [String: Any] else {
            throw CLIError("\(recordURL.path) is missing or unreadable: eval needs the training record to know the task's sizes")
        }
        var settings = try TrainingSettings(json: settingsObject)
        if let task = taskOption.task { settings.task = task }
        let task = try TrainingTask(settings.task, architecture: built.architecture, symbols: settings.symbols, length: settings.length)
        guard task.vocabulary.count == built.config.vocabularySize, task.maxInputLength <= built.config.maxLength else {
            throw CLIError("the model was trained with another vocabulary or length; \(task.name) does not fit it")
        }
        Console.progress("evaluating \(samples) held-out sequences…")
        let evaluation = try evaluate(built, on: task.heldOut(samples, seed: settings.seed))
        Console.progress("")
        Console.say("\(task.name), \(folder)")
        Console.say(String(format: "exact match %.4f, token accuracy %.4f, loss %.4f on %d held-out sequences",
                           evaluation.exactMatch, evaluation.tokenAccuracy, evaluation.loss, evaluation.samples))
        let byPosition = evaluation.accuracyByPosition.enumerated().map { i, a in a.isNaN ? "\(i): —" : String(format: "%d: %.3f", i, a) }
        Console.say("accuracy by target position: " + byPosition.joined(separator: "  "))
        if output.json {
            try JSONLine.say(["task": settings.task.rawValue, "exact_match": evaluation.exactMatch, "token_accuracy": evaluation.tokenAccuracy,
                              "loss": evaluation.loss, "samples": evaluation.samples,
                              "accuracy_by_position": evaluation.accuracyByPosition.map { $0.isNaN ? -1 : $0 }])
        }
    }
}
