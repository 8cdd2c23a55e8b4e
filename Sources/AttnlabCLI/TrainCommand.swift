import ArgumentParser
import Checkpoints
import Foundation
import Reports
import TensorCore
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

/// Sequences per training step: for `train`, and `bench --train`.
struct BatchOption: ParsableArguments {
    @Option(parsing: .unconditional, help: "Sequences per training step, 1...1024 (default 32).")
    var batch: Int?

    func validate() throws { try Limits.check(batch, "--batch", 1...TrainingRun.largestBatch) }
}

/// A folder to write into: a lesson's pictures (`lesson`), a trained model (`train`).
struct OutFolderOption: ParsableArguments {
    @Option(help: ArgumentHelp("The folder to write into (lesson: default Output/<lesson-id>/, Output/<lang>/<lesson-id>/ for a translation).", valueName: "dir"))
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
            exact match and token accuracy), loss.png and attention-over-training.png (--png FILE \
            writes that picture to FILE too). Ctrl-C saves the last completed step; --resume DIR \
            carries on from it. --cache keeps the model in Output/trained/ instead (or as well as \
            --out) and reuses it when the same settings come again.

            Examples:
              attnlab train --task reverse --arch encoder-decoder --out Output/reverse
              attnlab train --task copy --arch decoder-only --steps 800 --out Output/copy
              attnlab train --task reverse --arch encoder-decoder --steps 600 --cache --png Output/reverse.png
            """)

    @OptionGroup var taskOption: TaskOption
    @OptionGroup var model: ModelChoice
    @OptionGroup var stepsOption: StepsOption
    @OptionGroup var outFolder: OutFolderOption
    /// --png: the attention-over-training picture (the clearest head, from random weights to trained) also written to a file.
    @OptionGroup var output: OutputOptions

    @OptionGroup var batchOption: BatchOption
    var batch: Int? { batchOption.batch }
    @Option(parsing: .unconditional, help: "Peak learning rate (default 0.003), after a linear warm-up, then a cosine decay to a tenth of it.") var lr: Float?
    @Option(parsing: .unconditional, help: "Longest sequence of symbols, or of words for lm and mlm (default 8).") var length: Int?
    @Option(parsing: .unconditional, help: "How many letters the symbols are drawn from, 2...26 (default 10).") var symbols: Int?
    @OptionGroup var budgetOption: BudgetOption
    var budget: Int? { budgetOption.budget }
    @Option(help: ArgumentHelp("Carry on training the model saved in this folder (its settings are kept; --steps may raise the total).", valueName: "dir"))
    var resume: String?
    @Flag(help: "Keep the model in the trained-model cache: Output/trained/<task>-<arch>-<preset>-seed<seed>-<steps> (more settings are added to the name when not the default; $ATTNLAB_TRAINED moves the cache). When that folder already holds this very run, it is reused at once instead of trained again. Other commands name it with --model trained:<name>; with --out, a copy goes there too (in a lesson, a name in its folder that --model then finds, whatever the lesson's seed).")
    var cache = false

    func validate() throws {
        if resume == nil && taskOption.task == nil { throw ValidationError("give the task: --task copy|reverse|sort|count|lm|mlm") }
        if cache && resume != nil { throw ValidationError("--cache carries on an unfinished run of the same settings by itself; leave out --resume") }
        if resume == nil && outFolder.out == nil && !cache { throw ValidationError("give the folder to save the model in: --out DIR (or --cache)") }
        if let resume, resume.isEmpty { throw ValidationError("--resume needs a folder; the path is empty") }
        if resume != nil {
            let given = [taskOption.task != nil ? "--task" : nil, model.arch != nil ? "--arch" : nil, model.preset != nil ? "--preset" : nil,
                         model.seedOption.seed != nil ? "--seed" : nil, batch != nil ? "--batch" : nil, lr != nil ? "--lr" : nil,
                         length != nil ? "--length" : nil, symbols != nil ? "--symbols" : nil,
                         budget != nil ? "--budget" : nil].compactMap { $0 }
            if !given.isEmpty {
                throw ValidationError("--resume carries on with the run's own settings; leave out \(given.joined(separator: ", ")) (--steps may raise the total)")
            }
        }
        try Limits.check(stepsOption.steps, "--steps", 1...TrainingRun.mostSteps)
        try Limits.check(length, "--length", 2...TrainingTask.maximumLength)
        try Limits.check(symbols, "--symbols", 2...26)
        if let lr, !(lr > 0 && lr <= 1) { throw ValidationError("--lr must be above 0 and at most 1, got \(lr)") }
    }

    /// The settings the options describe (a new run).
    func settings() throws -> TrainingSettings {
        var s = TrainingSettings(task: taskOption.task ?? .copy, architecture: model.arch ?? .decoderOnly,
                                 preset: model.preset ?? .tiny, steps: stepsOption.steps,
                                 seed: model.seedOption.seed ?? RunContext.seed ?? 0)
        if let batch { s.batch = batch }
        if let lr { s.learningRate = lr }
        if let length { s.length = length }
        if let symbols { s.symbols = symbols }
        if let budget {
            let task = try TrainingTask(s.task, architecture: s.architecture, symbols: s.symbols, length: s.length)
            s.layers = ModelCount.layers(for: budget, s.architecture, s.config(task), encoderTokens: 0, decoderTokens: 0)
        }
        return s
    }

    func run() throws {
        let picture = output.pngPath
        if let picture { try Paths.checkFile(picture, option: "--png") }
        let folder: String
        if cache {
            folder = try runCached()
        } else {
            folder = RunContext.resolve(outFolder.out ?? resume ?? "")
            try Paths.checkFolder(folder, option: outFolder.out != nil ? "--out" : "--resume")
            try TrainingFiles.checkReplaceable(folder)
            let run = try resume.map { try TrainingFiles.resume(from: RunContext.resolve($0), steps: stepsOption.steps) }
                ?? TrainingRun(try settings())
            try train(run, into: folder)
        }
        if let picture {
            let source = (folder as NSString).appendingPathComponent("attention-over-training.png")
            guard let data = FileManager.default.contents(atPath: source) else {
                throw CLIError("\(source) is missing: this task has no head to show (count, lm and mlm draw the sharpest head; a run stopped before its first step draws none)")
            }
            _ = try OutputSet.writing { files in try files.write(data, to: picture) }
            Console.say("wrote \(picture)")
            RunContext.wrotePicture(picture, title: "attention over training: \((folder as NSString).lastPathComponent)")
        }
    }

    /// `--cache`: reuse the run kept for these settings, carry it on, or train it (`TrainingCache`);
    /// with --out, then copy it there. Returns the folder that holds it.
    private func runCached() throws -> String {
        let settings = try settings()
        do { _ = try TrainingRun.check(settings) } catch let error as TrainingError { throw CLIError(error.description) }
        let folder = TrainingCache.folder(settings)
        try Paths.checkFolder(folder, option: "--cache")
        let copy = outFolder.out.map(RunContext.resolve)
        if let copy {
            try Paths.checkFolder(copy, option: "--out")
            try TrainingFiles.checkReplaceable(copy)
        }
        try TrainingCache.withLock(folder) {
            switch TrainingCache.state(of: folder, for: settings) {
            case .complete(let record):
                let start = Date()
                sayHeader(settings, task: record.taskName, parameters: record.parameters, carryingOnFrom: 0)
                Console.sayOfThisRun("reusing the model trained earlier in \(folder)")
                report(exactMatch: record.exactMatch, tokenAccuracy: record.tokenAccuracy, samples: record.samples, record.head, targetName: try TrainingTask(settings.task, architecture: settings.architecture,
                       symbols: settings.symbols, length: settings.length).attentionTargetName)
                if output.json {
                    try? JSONLine.say(["steps": settings.steps, "loss": record.lastLoss, "exact_match": record.exactMatch,
                                       "token_accuracy": record.tokenAccuracy, "samples": record.samples,
                                       "seconds": JSONLine.rounded(Date().timeIntervalSince(start)), "steps_per_s": 0,
                                       "folder": folder, "reused": true])
                }
            case .unfinished:
                try train(TrainingFiles.resume(from: folder, steps: nil), into: folder)
            case .empty:
                try TrainingFiles.checkReplaceable(folder)
                try train(TrainingRun(settings), into: folder)
            }
            if let copy {
                try Checkpoint.copy(from: URL(fileURLWithPath: folder), to: URL(fileURLWithPath: copy), extra: TrainingFiles.names,
                                    scratch: { url, made in
                    if made { Cleanup.shared.register(url.path, isFolder: true) } else { Cleanup.shared.unregister([url.path]) }
                })
                Console.say("copied it to \(copy)")
            }
        }
        return copy ?? folder
    }

    private func sayHeader(_ settings: TrainingSettings, task: String, parameters: Int, carryingOnFrom step: Int) {
        let perStack = settings.architecture == .encoderDecoder ? " per stack" : ""
        let depth = settings.layers.map { ", \($0) layer\($0 == 1 ? "" : "s")\(perStack)" } ?? ""
        Console.say("training \(task): \(settings.architecture.rawValue) \(settings.preset.rawValue)\(depth), "
                    + "\(parameters) parameters, seed \(settings.seed)")
        if let budget, let layers = settings.layers {
            Console.say(String(format: "budget %d parameters: %d layers%@ come closest (%+.1f%% off)", budget, layers, perStack,
                               100 * (Double(parameters) - Double(budget)) / Double(budget)))
        }
        let schedule = String(format: "learning rate %g, warm-up %d steps, cosine decay", settings.learningRate, settings.warmupSteps)
        let plain = "\(settings.steps) steps of \(settings.batch) sequences; \(schedule)"
        if step > 0 {
            // Where an interrupted run carries on depends on when it was stopped: a page shows the plain line.
            Console.sayOfThisRun("\(settings.steps) steps of \(settings.batch) sequences, carrying on from step \(step); \(schedule)", page: plain)
        } else {
            Console.say(plain)
        }
    }

    /// Trains `run` to its end and saves it into `folder`.
    private func train(_ run: TrainingRun, into folder: String) throws {
        let settings = run.settings
        // Measured: the toy presets' products are too small to share between cores — one OpenBLAS
        // thread trains reverse on tiny 2.2× faster than two (the second spends its time waiting).
        let threads = BLASThreads.count
        if settings.preset != .gpt2Small { BLASThreads.set(1) }
        defer { BLASThreads.set(threads) }
        sayHeader(settings, task: run.task.name, parameters: run.model.weights.parameterCount, carryingOnFrom: run.step)

        // A first Ctrl-C lets the current step finish; the run is then saved (the save itself
        // cannot be cut short) and the command exits 130. Evaluation is skipped then.
        let clock = TrainingClock(run)
        let (evaluation, head) = try Cleanup.deferringInterrupts { () -> (Evaluation?, HeadWeight?) in
            while !run.isFinished && !Cleanup.interruptRequested {
                do {
                    clock.add(try run.trainStep())
                } catch TrainingError.diverged(let step) {
                    try Cleanup.shielded { try TrainingFiles.save(run, to: folder, evaluation: nil) }   // the last good model
                    throw TrainingError.diverged(step: step)
                }
            }
            Console.progress(Cleanup.interruptRequested ? "" : "evaluating on 1000 held-out sequences…")
            let evaluation = Cleanup.interruptRequested ? nil : try run.evaluate(samples: 1000)
            Console.progress("")
            return (evaluation, try Cleanup.shielded { try TrainingFiles.save(run, to: folder, evaluation: evaluation) })
        }
        if let evaluation { report(run, evaluation, head, folder: folder, clock: clock) }
        if Cleanup.interruptRequested {
            Console.note("attnlab: interrupted: saved the model after step \(run.step) of \(settings.steps) to \(folder); "
                         + (run.isFinished ? "it is complete" : (cache ? "the same command with --cache carries it on" : "carry on with --resume \(folder)")))
            throw ExitCode(Cleanup.interruptedStatus)
        }
    }

    /// The held-out scores and the clearest head: the same lines whether the run was trained now or reused.
    private func report(exactMatch: Double, tokenAccuracy: Double, samples: Int, _ head: HeadWeight?, targetName: String?) {
        Console.say(String(format: "held-out: exact match %.4f, token accuracy %.4f on %d sequences", exactMatch, tokenAccuracy, samples))
        if let head {
            Console.say(String(format: "clearest head: layer %d head %d, mean weight %.3f on %@", head.layer, head.head, head.weight,
                               targetName ?? "its sharpest keys"))
        }
    }

    private func report(_ run: TrainingRun, _ evaluation: Evaluation, _ head: HeadWeight?, folder: String, clock: TrainingClock) {
        report(exactMatch: evaluation.exactMatch, tokenAccuracy: evaluation.tokenAccuracy, samples: evaluation.samples, head,
               targetName: run.task.attentionTargetName)
        Console.sayOfThisRun(String(format: "%.1f s, %.1f steps/s, %.0f tokens/s", clock.seconds, clock.stepsPerSecond, clock.tokensPerSecond))
        // Into the cache only when trained now, not when reused: a fact of this run, like its speed.
        let wrote = "wrote \(folder): config.json, model.safetensors, tokenizer.json, training.json, training-state.safetensors, loss.png, attention-over-training.png"
        if cache { Console.sayOfThisRun(wrote) } else { Console.say(wrote) }
        if output.json {
            try? JSONLine.say(["steps": run.step, "loss": Double(run.history.last?.loss ?? .nan), "exact_match": evaluation.exactMatch,
                               "token_accuracy": evaluation.tokenAccuracy, "samples": evaluation.samples,
                               "seconds": JSONLine.rounded(clock.seconds), "steps_per_s": JSONLine.rounded(clock.stepsPerSecond),
                               "folder": folder, "reused": false])
        }
    }
}
