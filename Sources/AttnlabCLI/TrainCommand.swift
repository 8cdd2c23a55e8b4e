import ArgumentParser
import Foundation
import Reports
import Training
import Transformer

extension TaskKind: ExpressibleByArgument {}

/// Which built-in task: shared by `train` and `eval`.
struct TaskOption: ParsableArguments {
    @Option(help: ArgumentHelp("The task: copy, reverse, sort, count, lm (decoder-only) or mlm (encoder-only).", valueName: "task"))
    var task: TaskKind?
}

/// How many steps: tokens to generate (`generate`), or updates (`train`).
struct StepsOption: ParsableArguments {
    @Option(parsing: .unconditional, help: "How many steps: tokens to generate (generate, default 8), or updates (train, default per task).")
    var steps: Int?
}

/// A folder to write into: a lesson's pictures (`lesson`), a trained model (`train`).
struct OutFolderOption: ParsableArguments {
    @Option(help: ArgumentHelp("The folder to write into (lesson: default Output/<lesson-id>/).", valueName: "dir"))
    var out: String?
}

/// `attnlab train`: teach a model one of the built-in tasks, and keep it.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a built-in task and save it, with its loss curve and its attention over training.",
        discussion: """
            Tasks draw sequences of the letters a… (the first --symbols of them) of 2 to --length \
            symbols: copy, reverse, sort, count (how often each position's symbol occurs in the whole \
            sequence); lm and mlm use a small synthetic language. The folder gets config.json, \
            model.safetensors, tokenizer.json, training.json (settings, loss history, held-out \
            exact match and token accuracy), loss.png and attention-over-training.png. Ctrl-C saves \
            the last completed step; --resume DIR carries on from it.

            Examples:
              attnlab train --task reverse --arch encoder-decoder --out Output/reverse
              attnlab train --task copy --arch decoder-only --steps 800 --out Output/copy
            """)

    @OptionGroup var taskOption: TaskOption
    @OptionGroup var model: ModelOptions
    @OptionGroup var stepsOption: StepsOption
    @OptionGroup var outFolder: OutFolderOption
    @OptionGroup var output: OutputOptions

    @Option(parsing: .unconditional, help: "Sequences per step (default 32).") var batch: Int?
    @Option(parsing: .unconditional, help: "Peak learning rate (default 0.003), after a linear warm-up, then a cosine decay to a tenth of it.") var lr: Float?
    @Option(parsing: .unconditional, help: "Longest sequence of symbols, or of words for lm and mlm (default 8).") var length: Int?
    @Option(parsing: .unconditional, help: "How many letters the symbols are drawn from, 2...26 (default 10).") var symbols: Int?
    @Option(help: ArgumentHelp("Carry on training the model saved in this folder (its settings are kept; --steps may raise the total).", valueName: "dir"))
    var resume: String?

    func validate() throws {
        if resume == nil && taskOption.task == nil { throw ValidationError("give the task: --task copy|reverse|sort|count|lm|mlm") }
        if resume == nil && outFolder.out == nil { throw ValidationError("give the folder to save the model in: --out DIR") }
        if model.mask != nil { throw ValidationError("a task model uses its architecture's own mask; leave out --mask") }
        if model.vocab != nil { throw ValidationError("a task model's vocabulary is the task's; leave out --vocab") }
        if output.png != nil { throw ValidationError("train draws loss.png and attention-over-training.png into --out; leave out --png") }
    }

    var settings: TrainingSettings {
        get throws {
            let task = taskOption.task ?? .copy
            var s = TrainingSettings(task: task, architecture: model.architecture(ModelDefaults()), preset: model.preset ?? .tiny,
                                     steps: stepsOption.steps, seed: model.resolvedSeed)
            if let batch { s.batch = batch }
            if let lr { s.learningRate = lr }
            if let length { s.length = length }
            if let symbols { s.symbols = symbols }
            return s
        }
    }

    func run() throws {
        let run = try TrainingRun(try settings)
        let settings = run.settings
        Console.say("training \(run.task.name) on \(model.modelSummary()): \(settings.steps) steps of \(settings.batch) sequences")
        let started = Date()
        var tokens = 0
        while !run.isFinished {
            let record = try run.trainStep()
            tokens += run.batch(at: record.step - 1).reduce(0) { $0 + ($1.input.encoder?.count ?? 0) + ($1.input.decoder?.count ?? 0) }
            if record.step % max(1, settings.steps / 10) == 0 || record.step == settings.steps {
                let seconds = Date().timeIntervalSince(started)
                Console.note(String(format: "step %d/%d  loss %.4f  accuracy %.3f  %.0f tokens/s  %.1f s",
                                    record.step, settings.steps, record.loss, record.tokenAccuracy, Double(tokens) / seconds, seconds))
            }
        }
        let evaluation = try run.evaluate(samples: 1000)
        Console.say(String(format: "held-out: exact match %.4f, token accuracy %.4f on %d sequences, %.1f s",
                           evaluation.exactMatch, evaluation.tokenAccuracy, evaluation.samples, Date().timeIntervalSince(started)))
        if let head = try run.clearestHead() {
            Console.say(String(format: "clearest head: layer %d head %d, weight %.3f on %@", head.layer, head.head, head.weight,
                               run.task.attentionTargetName ?? "its sharpest keys"))
        }
    }
}
