import ArgumentParser
import Classroom
import Foundation
import Experiments
import Heatmap
import Reports
import TensorCore
import Transformer

/// `attnlab check`: claims about the architectures, computed rather than asserted.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a claim about the architectures by computing it.",
        subcommands: [CausalityCommand.self, TeacherForcingCommand.self])
}

/// `attnlab check causality`: change one token and see which positions notice.
struct CausalityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "causality",
        abstract: "Change one token and print how far every position's output moved.",
        discussion: """
            A decoder's outputs before the changed position move by exactly 0: causal attention never \
            looks ahead. An encoder's outputs move everywhere. For encoder-decoder, --stack says whose \
            token changes: a decoder token (the default) or an encoder token, which every decoder position reads.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    @Option(parsing: .unconditional, help: "Which position's token to change (default: the middle one). Position 0 is the first special token.")
    var position: Int?

    @Option(help: "The word to put there (default \"dog\"; for a checkpoint, the next id after the token there).")
    var to: String?

    @Option(help: "encoder-decoder only: change a token of the decoder (default) or of the encoder.")
    var stack: Stack?

    @Flag(help: "Use the words alone, without the architecture's special tokens ([CLS] … [SEP], <bos> …), so two architectures get the very same input.")
    var bare = false

    static let defaults = InputOptions.Defaults(text: "the cat sat on the mat", target: "le chat est sur le tapis")

    func validate() throws {
        try Limits.check(position, "--position", Limits.position)
        if bare && (input.tokens != nil || !input.ids.isEmpty || !input.targetIds.isEmpty) {
            throw ValidationError("--bare leaves the special tokens out of a text; --ids and --tokens have none to leave out")
        }
    }

    func run() throws {
        let (built, tokenizer) = try model.build().modelAndTokenizer
        let architecture = built.architecture
        if stack != nil && architecture != .encoderDecoder { throw CLIError("--stack is for encoder-decoder models") }
        let changed: Stack = architecture == .encoderOnly ? .encoder : (architecture == .decoderOnly ? .decoder : stack ?? .decoder)
        try output.checkPictureFile()
        var options = input
        if bare { options = try bareWords(architecture, tokenizer) }
        let (modelInput, labels) = try options.resolve(for: built, tokenizer: tokenizer, seed: model.resolvedSeed, defaults: Self.defaults)
        try model.checkPrefix(against: modelInput, of: built)
        let tokens = modelInput.tokens(changed) ?? []
        guard tokens.count >= 2 else { throw CLIError("the \(changed.rawValue) input needs at least two tokens to change one of them") }
        let j = position ?? tokens.count / 2
        guard j < tokens.count else {
            throw CLIError("--position \(j) is outside the \(changed.rawValue) input's positions 0...\(tokens.count - 1)")
        }
        let old = labels[changed]?[j] ?? "#\(tokens[j])"
        // A checkpoint's vocabulary may have no "dog": by default it changes the token to the next id.
        let newID = to.map { Self.word($0, tokenizer) } ?? (model.model == nil ? Self.word("dog", tokenizer) : (tokens[j] + 1) % built.config.vocabularySize)
        guard let newID, newID != tokens[j], newID < built.config.vocabularySize else {
            throw CLIError("--to '\(to ?? "dog")' must be a word of the \(model.model == nil ? "built-in" : "checkpoint's") vocabulary, different from '\(old)'")
        }
        let to = tokenizer.label(newID)
        let probe = try CausalityProbe(built, input: modelInput, changing: changed, at: j, to: newID)
        let outputLabels = labels[probe.outputStack] ?? []

        Console.say(model.summary())
        Console.say("changed the \(changed.rawValue)'s token at position \(j): '\(old)' → '\(to)'")
        Console.say("how far each \(probe.outputStack.rawValue) position's logits moved (largest |Δ| over the vocabulary):")
        // Padded by terminal columns (a Chinese character takes two), to the widest label and the
        // widest position, so the numbers start in the same column on every row.
        let rowLabels = probe.change.indices.map { $0 < outputLabels.count ? outputLabels[$0] : "#\($0)" }
        let labelWidth = max(8, rowLabels.map { DisplayWidth.of($0) }.max() ?? 0)
        let positionWidth = String(max(probe.change.count - 1, 0)).count
        for (position, delta) in probe.change.enumerated() {
            let note = position == j && probe.changeIsInOutput ? "   ← the changed token" : ""
            let index = String(repeating: " ", count: positionWidth - String(position).count) + String(position)
            Console.say("  position \(index) \(DisplayWidth.pad(rowLabels[position], to: labelWidth)) "
                        + (delta == 0 ? "0 (exactly)" : String(format: "%.3g", delta)) + note)
        }
        if probe.changeIsInOutput {
            Console.say("positions before \(j): \(probe.movedBefore == 0 ? "all unchanged, bit for bit" : "\(probe.movedBefore) of \(j) moved")")
            Console.say("positions from \(j) on: \(probe.movedFrom) of \(probe.change.count - j) moved")
        } else {
            Console.say("decoder positions that moved: \(probe.movedFrom) of \(probe.change.count)")
        }
        if let png = output.pngPath {
            try writePicture(LinePlot.causalityChange(probe, labels: outputLabels, old: old, new: to, architecture: architecture,
                                                      model: model.pictureSubtitle()), to: png)
        }
        if output.json {
            try JSONLine.say(["changed_stack": changed.rawValue, "position": j, "output_stack": probe.outputStack.rawValue,
                              "change": probe.change.map(Double.init), "moved_before": probe.movedBefore, "moved_from": probe.movedFrom])
        }
    }

    /// The words of the text alone, as ids, so that two architectures see the very same tokens.
    private func bareWords(_ architecture: Architecture, _ tokenizer: any Tokenizer) throws -> InputOptions {
        var options = input
        let text = input.text ?? Self.defaults.text ?? "", target = input.target ?? Self.defaults.target ?? ""
        options.text = nil
        options.target = nil
        do { try tokenizer.checkEncodable(text) } catch { throw CLIError("--text: \(error)") }
        if architecture == .encoderDecoder {
            do { try tokenizer.checkEncodable(target) } catch { throw CLIError("--target: \(error)") }
        }
        options.ids = tokenizer.tokenize(text).map { String($0.id) }
        if architecture == .encoderDecoder { options.targetIds = tokenizer.tokenize(target).map { String($0.id) } }
        guard !options.ids.isEmpty else { throw CLIError("--text is empty: give some words to run") }
        guard architecture != .encoderDecoder || !options.targetIds.isEmpty else { throw CLIError("--target is empty: give some words") }
        return options
    }

    /// The id of `word` when the tokenizer has it as one token of its own (not as [UNK]).
    private static func word(_ word: String, _ tokenizer: any Tokenizer) -> Int? {
        guard (try? tokenizer.checkEncodable(word)) != nil, let token = tokenizer.tokenize(word).first,
              tokenizer.tokenize(word).count == 1, tokenizer.label(token.id).lowercased() == word.lowercased() else { return nil }
        return token.id
    }
}

/// `attnlab check teacher-forcing`: one parallel pass against step-by-step decoding.
struct TeacherForcingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teacher-forcing",
        abstract: "Compare one parallel pass with step-by-step decoding through the KV cache.",
        discussion: """
            Training feeds the whole target at once (teacher forcing) and gets a prediction at every \
            position from one pass. Generating computes the same positions one at a time. The logits \
            must agree; the timings show what the parallel pass saves.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var timing: TimingOptions
    @OptionGroup var output: OutputOptions

    static let defaults = InputOptions.Defaults(text: "the cat sat on the mat and the dog sat on the mat too",
                                                target: "le chat est sur le tapis et le chien aussi")

    func validate() throws {
        guard model.arch != .encoderOnly else {
            throw ValidationError("teacher forcing is about generating models, and an encoder-only model does not generate: use --arch decoder-only or encoder-decoder")
        }
        if let mask = model.mask, mask != .causal && mask != .slidingWindow {
            throw ValidationError("step-by-step decoding only sees the past, so it can match a causal mask (causal, sliding-window), not \(mask.rawValue)")
        }
        if output.png != nil { throw ValidationError("check teacher-forcing draws nothing; leave out --png") }
    }

    func run() throws {
        let (built, tokenizer) = try model.build().modelAndTokenizer
        guard built.architecture.generates else { throw CLIError("teacher forcing is about generating models; this checkpoint is encoder-only") }
        let (modelInput, _) = try input.resolve(for: built, tokenizer: tokenizer, seed: model.resolvedSeed, defaults: Self.defaults)
        for _ in 0..<timing.warmup { _ = try built.forward(modelInput) }
        let check = try TeacherForcingCheck(built, input: modelInput, runs: timing.runs)
        let (parallel, sequential) = (check.parallel, check.stepByStep)

        Console.say(model.summary())
        Console.sayTimed("teacher forcing: one pass over all \(check.positions) decoder positions at once: ", Self.describe(parallel))
        Console.sayTimed("step by step with the KV cache: \(check.positions) passes of one token each: ", Self.describe(sequential)
                         + " (\(String(format: "%.1f", sequential.median / max(parallel.median, 1e-9)))× the time)")
        Console.say("largest |difference| between the two sets of logits: \(check.maxAbsDifference)"
                    + (check.agrees ? " (the same predictions, up to float rounding)" : " — they differ!"))
        if !check.agrees { throw CLIError("the parallel and step-by-step logits differ by \(check.maxAbsDifference)") }
        if output.json {
            try JSONLine.say(["max_abs_diff": Double(check.maxAbsDifference), "parallel_ms": JSONLine.rounded(parallel.median),
                              "sequential_ms": JSONLine.rounded(sequential.median), "positions": check.positions,
                              "parallel_runs_ms": parallel.runs.map(JSONLine.rounded), "sequential_runs_ms": sequential.runs.map(JSONLine.rounded)])
        }
    }

    /// "0.42 ms (median of 5; 0.40–0.51)"
    static func describe(_ t: TimingSummary) -> String {
        String(format: "%.2f ms (median of %d; fastest %.2f, slowest %.2f)", t.median, t.runs.count, t.fastest, t.slowest)
    }
}
