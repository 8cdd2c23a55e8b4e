import ArgumentParser
import Checkpoints
import Foundation
import Reports
import TensorCore
import Transformer

extension Architecture: ExpressibleByArgument {}
extension Preset: ExpressibleByArgument {}
extension MaskKind: ExpressibleByArgument {}
extension Stack: ExpressibleByArgument {}

/// The masks a stack's self-attention can be given (`padding` and `cross` are not of that kind).
enum SelfAttentionMask: String, CaseIterable, ExpressibleByArgument {
    case bidirectional, causal
    case prefixLM = "prefix-lm"
    case slidingWindow = "sliding-window"

    var kind: MaskKind { MaskKind(rawValue: rawValue) ?? .causal }
}

/// What a command builds when the user names no architecture or size.
struct ModelDefaults {
    var architecture: Architecture = .decoderOnly
    var preset: Preset = .tiny
}

/// A trained or downloaded model to run instead of a random one.
struct CheckpointOption: ParsableArguments {
    @Option(help: ArgumentHelp("A checkpoint folder (config.json, model.safetensors, tokenizer.json) instead of a random model.",
                               valueName: "dir"))
    var model: String?
}

/// Which built-in model: architecture, preset and seed (train builds one of these too).
struct ModelChoice: ParsableArguments {
    @Option(help: "The architecture (default decoder-only).")
    var arch: Architecture?

    @Option(help: "The model's size (default tiny; bench and count: gpt2-small, which has GPT-2 small's shape).")
    var preset: Preset?

    @OptionGroup var seedOption: SeedOption
}

/// A preset reshaped: for trying sizes and for counting.
struct ModelShape: ParsableArguments {
    @Option(parsing: .unconditional, help: "Override the preset's width (d_model).") var width: Int?
    @Option(parsing: .unconditional, help: "Override the preset's number of heads.") var heads: Int?
    @Option(parsing: .unconditional, help: "Override the preset's layers per stack.") var layers: Int?
    @Option(parsing: .unconditional, help: "Override the preset's MLP hidden width (default 4 × width when --width is given).") var mlp: Int?
    @Option(parsing: .unconditional, help: "Override the preset's vocabulary size.") var vocab: Int?

    func validate() throws {
        try Limits.check(width, "--width", Limits.width)
        try Limits.check(heads, "--heads", Limits.heads)
        try Limits.check(layers, "--layers", Limits.layers)
        try Limits.check(mlp, "--mlp", Limits.mlpWidth)
        try Limits.check(vocab, "--vocab", Limits.vocabulary)
    }
}

/// Another self-attention mask than the architecture's own.
struct MaskOption: ParsableArguments {
    @Option(help: "Another self-attention mask for the model's last stack: the encoder of encoder-only, the decoder otherwise (normally bidirectional for an encoder, causal for a decoder).")
    var mask: SelfAttentionMask?

    @OptionGroup var parameters: MaskParameters

    func validate() throws {
        if parameters.prefix != nil && mask != .prefixLM { throw ValidationError("--prefix goes with --mask prefix-lm") }
        if parameters.window != nil && mask != .slidingWindow { throw ValidationError("--window goes with --mask sliding-window") }
        if mask == .prefixLM && parameters.prefix == nil { throw ValidationError("--mask prefix-lm needs --prefix K") }
        if mask == .slidingWindow && parameters.window == nil { throw ValidationError("--mask sliding-window needs --window W") }
    }
}

/// Which model to run: a built-in one (architecture, preset, seed, optionally reshaped) or a
/// checkpoint folder, and optionally another self-attention mask. Shared by every command that
/// runs a model.
struct ModelOptions: ParsableArguments {
    @OptionGroup var checkpoint: CheckpointOption
    @OptionGroup var choice: ModelChoice
    @OptionGroup var shape: ModelShape
    @OptionGroup var maskOption: MaskOption

    var model: String? { checkpoint.model }
    var arch: Architecture? { choice.arch }
    var preset: Preset? { choice.preset }
    var seed: UInt64? { choice.seedOption.seed }
    var width: Int? { shape.width }
    var heads: Int? { shape.heads }
    var layers: Int? { shape.layers }
    var mlp: Int? { shape.mlp }
    var vocab: Int? { shape.vocab }
    var mask: SelfAttentionMask? { maskOption.mask }
    var prefix: Int? { maskOption.parameters.prefix }
    var window: Int? { maskOption.parameters.window }

    func validate() throws {
        if model != nil {
            let fixed = [("--arch", arch != nil), ("--preset", preset != nil), ("--seed", seed != nil), ("--width", width != nil),
                         ("--heads", heads != nil), ("--layers", layers != nil), ("--mlp", mlp != nil), ("--vocab", vocab != nil)]
            let given = fixed.filter(\.1).map(\.0)
            if !given.isEmpty {
                throw ValidationError("--model loads a checkpoint, whose architecture, size and weights are its own: leave out \(given.joined(separator: ", "))")
            }
        }
    }

    /// The seed given, else the lesson's, else 0.
    var resolvedSeed: UInt64 { seed ?? RunContext.seed ?? 0 }

    func architecture(_ defaults: ModelDefaults) -> Architecture {
        arch ?? (try? checkpointConfig())?.architecture ?? defaults.architecture
    }

    /// The model folder --model names (`ModelLocation`), nil without --model.
    func checkpointFolder() throws -> URL? { try model.map { try ModelLocation.folder(for: $0) } }

    /// The checkpoint's config.json alone (cheap: no weights), nil without --model.
    func checkpointConfig() throws -> (architecture: Architecture, config: ModelConfig, layout: Checkpoint.Layout)? {
        guard let checkpointFolder = try checkpointFolder() else { return nil }
        return try Checkpoint.readConfig(from: checkpointFolder)
    }

    /// The preset's configuration with any size the user overrode (the checkpoint's, with --model).
    func config(_ defaults: ModelDefaults) throws -> ModelConfig {
        if let checkpoint = try checkpointConfig() { return checkpoint.config }
        var c = (preset ?? defaults.preset).config()
        if let width { c.width = width; c.mlpWidth = 4 * width }   // a new width brings GPT-2's MLP ratio
        if let heads { c.heads = heads }
        if let layers { c.layers = layers }
        if let mlp { c.mlpWidth = mlp }
        if let vocab { c.vocabularySize = vocab }
        if let problem = c.problems.first { throw CLIError("these sizes make no model: \(problem)") }
        return c
    }

    /// The model these options describe, with seeded random weights. Its size is checked before a
    /// single weight is drawn, so a typo cannot ask for terabytes.
    /// With --model, the checkpoint's model, its size checked from config.json before the weights are read.
    func makeModel(_ defaults: ModelDefaults = ModelDefaults()) throws -> TransformerModel {
        try build(defaults).model
    }

    /// The model and the tokenizer for text given to it: the built-in one, or with --model the
    /// checkpoint's own (`Checkpoint.tokenizer`), with the ids generation starts and stops at.
    func build(_ defaults: ModelDefaults = ModelDefaults()) throws -> BuiltModel {
        let architecture = architecture(defaults), config = try config(defaults)
        let parameters = ModelCount(architecture, config, encoderTokens: 0, decoderTokens: 0).parameters
        guard parameters <= Limits.builtParameters else {
            throw CLIError("that model would have \(parameters) parameters; attnlab builds at most \(Limits.builtParameters) (2 GB of float32)")
        }
        var built: BuiltModel
        if let folder = try checkpointFolder() {
            let loaded = try Checkpoint.load(from: folder)
            built = BuiltModel(model: loaded.model, tokenizer: Checkpoint.tokenizer(loaded, folder: folder),
                               specialIDs: loaded.specialIDs)
        } else {
            built = BuiltModel(model: try TransformerModel.random(architecture, config, seed: resolvedSeed),
                               tokenizer: BuiltinTokenizer.shared, specialIDs: nil)
        }
        if let mask {
            let stack: Stack = architecture == .encoderOnly ? .encoder : .decoder
            built.model.selfAttentionRules[stack] = mask.kind.rule(prefix: prefix ?? 0, window: window ?? 1)
        }
        return built
    }

    /// A prefix-LM's prefix must lie inside the sequence it masks.
    func checkPrefix(against input: ModelInput, of model: TransformerModel) throws {
        guard mask == .prefixLM, let prefix else { return }
        let stack: Stack = model.architecture == .encoderOnly ? .encoder : .decoder
        let length = input.tokens(stack)?.count ?? 0
        guard prefix <= length else {
            throw CLIError("--prefix \(prefix) is longer than the \(stack.rawValue)'s input (\(plural(length, "token")))")
        }
    }

    /// "decoder-only tiny (width 64, 4 heads, 2 layers), seed 0"
    func modelSummary(_ defaults: ModelDefaults = ModelDefaults()) -> String {
        if let model {
            guard let (architecture, c, _) = try? checkpointConfig() else { return "checkpoint \(model)" }
            return "\(architecture.rawValue) checkpoint \(model) (width \(c.width), \(c.heads) heads, \(c.layers) layers)"
        }
        let c = (try? config(defaults)) ?? (preset ?? defaults.preset).config()
        let resized = [width, heads, layers, mlp, vocab].contains { $0 != nil } ? " resized" : ""
        return "\(architecture(defaults).rawValue) \((preset ?? defaults.preset).rawValue)\(resized) "
            + "(width \(c.width), \(c.heads) heads, \(c.layers) layers), seed \(resolvedSeed)"
    }

    /// The model, and the mask when it is not the architecture's own.
    func summary(_ defaults: ModelDefaults = ModelDefaults()) -> String {
        modelSummary(defaults) + (mask.map { ", mask \($0.rawValue)" } ?? "")
    }
}

/// The seed of random weights and inputs: for one model, or (on `lesson`) every model a lesson builds.
struct SeedOption: ParsableArguments {
    @Option(parsing: .unconditional, help: "Seed of the random weights (and of a --tokens input); a lesson's commands that name their own keep theirs. Same seed, same numbers. Default 0.")
    var seed: UInt64?
}

/// The numbers a prefix-LM or sliding-window mask needs: for a model's mask and for `attnlab mask`.
struct MaskParameters: ParsableArguments {
    @Option(parsing: .unconditional, help: "prefix-lm: how many leading tokens are seen bidirectionally.")
    var prefix: Int?

    @Option(parsing: .unconditional, help: "sliding-window: how many tokens, itself included, each token sees.")
    var window: Int?

    func validate() throws {
        try Limits.check(prefix, "--prefix", Limits.prefix)
        try Limits.check(window, "--window", Limits.window)
    }
}

/// What to feed the model: text, token ids, or a seeded random sequence. Shared by every command
/// that runs a model; each says what it uses when none is given.
struct InputOptions: ParsableArguments {
    @Option(help: "Input text: the encoder's (encoder-only, encoder-decoder) or the decoder's (decoder-only); for generate, the prompt.")
    var text: String?

    @Option(help: "The decoder's text, for encoder-decoder (teacher forcing: the whole target at once).")
    var target: String?

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Token ids instead of --text (e.g. --ids 5 17 42, or 5,17,42).", valueName: "id"))
    var ids: [String] = []

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Token ids instead of --target.", valueName: "id"))
    var targetIds: [String] = []

    @Option(parsing: .unconditional, help: "A seeded random input of N tokens for every stack, instead of text.")
    var tokens: Int?

    /// What a command runs on when the user gives no input.
    struct Defaults {
        var text: String?
        var target: String?
        var tokens: Int?
    }

    var isEmpty: Bool { text == nil && target == nil && ids.isEmpty && targetIds.isEmpty && tokens == nil }

    func validate() throws {
        let sources = [text != nil, !ids.isEmpty, tokens != nil].filter { $0 }.count
        if sources > 1 { throw ValidationError("give one of --text, --ids and --tokens, not several") }
        if target != nil && !targetIds.isEmpty { throw ValidationError("give --target or --target-ids, not both") }
        if tokens != nil && (target != nil || !targetIds.isEmpty) {
            throw ValidationError("--tokens makes a random input for every stack; it takes no --target")
        }
        try Limits.check(tokens, "--tokens", Limits.tokens)
    }

    /// The model's input and each stream's token labels; `defaults` fill in what was not given.
    /// Text goes through `tokenizer`, which must know every word (the built-in one knows all).
    func resolve(for model: TransformerModel, tokenizer: any Tokenizer, seed: UInt64,
                 defaults: Defaults = Defaults()) throws -> (input: ModelInput, labels: [Stack: [String]]) {
        var options = self
        if text == nil && ids.isEmpty && tokens == nil {
            options.text = defaults.text
            options.tokens = defaults.text == nil ? defaults.tokens : nil
        }
        if model.architecture == .encoderDecoder && options.tokens == nil && target == nil && targetIds.isEmpty {
            options.target = defaults.target
        }
        return try options.resolveGiven(for: model, tokenizer: tokenizer, seed: seed)
    }

    private func resolveGiven(for model: TransformerModel, tokenizer: any Tokenizer,
                              seed: UInt64) throws -> (input: ModelInput, labels: [Stack: [String]]) {
        let architecture = model.architecture
        let hasTarget = target != nil || !targetIds.isEmpty
        if hasTarget && architecture != .encoderDecoder {
            throw CLIError("--target is the decoder's text of an encoder-decoder model; \(architecture.rawValue) takes only --text")
        }
        let mainStack: Stack = architecture == .decoderOnly ? .decoder : .encoder
        var streams: [Stack: [Token]] = [:]

        if let tokens {
            guard tokens <= model.config.maxLength else {
                throw ModelError.tooLong(stack: mainStack, tokens: tokens, maxLength: model.config.maxLength)
            }
            var rng = SeededGenerator(seed: seed &+ 1)
            for stack in architecture.stacks {
                streams[stack] = tokenizer.tokens(ids: (0..<tokens).map { _ in rng.nextInt(below: model.config.vocabularySize) })
            }
        } else if !ids.isEmpty {
            streams[mainStack] = tokenizer.tokens(ids: try parseIDs(ids, flag: "--ids", limit: model.config.maxLength))
        } else if let text {
            try Self.checkEncodable(text, "--text", tokenizer)
            // The replacement character is what the shell's bytes became where they were not UTF-8.
            guard !text.unicodeScalars.contains("\u{FFFD}") else {
                throw CLIError("--text is not valid UTF-8 (it holds U+FFFD, the replacement character): give the text in UTF-8")
            }
            guard !tokenizer.tokenize(text).isEmpty else {
                throw CLIError(text.isEmpty ? "--text is empty: give some words to run"
                               : "--text gives no tokens (this tokenizer drops everything in it): give some words to run")
            }
            streams[mainStack] = tokenizer.encode(text, for: mainStack, of: architecture)
        } else {
            throw CLIError("no input: give --text \"…\", --ids or --tokens N")
        }

        if architecture == .encoderDecoder && streams[.decoder] == nil {
            if !targetIds.isEmpty {
                streams[.decoder] = tokenizer.tokens(ids: try parseIDs(targetIds, flag: "--target-ids", limit: model.config.maxLength))
            } else if let target {
                try Self.checkEncodable(target, "--target", tokenizer)
                streams[.decoder] = tokenizer.encode(target, for: .decoder, of: architecture)
            } else {
                throw CLIError("an encoder-decoder model also needs the decoder's text: add --target \"…\" (or --target-ids)")
            }
        }
        let input = ModelInput(encoder: streams[.encoder]?.map(\.id), decoder: streams[.decoder]?.map(\.id))
        try model.validate(input)
        try Limits.checkMemory(model, input)
        return (input, streams.mapValues { $0.map(\.text) })
    }

    private static func checkEncodable(_ text: String, _ flag: String, _ tokenizer: any Tokenizer) throws {
        do { try tokenizer.checkEncodable(text) } catch { throw CLIError("\(flag): \(error)") }
    }
}

/// Where results go: a picture (or a folder of them), one line of JSON, and permission to write a lot.
struct OutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Draw the result as PNG: a file, or for trace a folder (which may be left out: Output/trace-<arch>/).", valueName: "path"))
    var png: String?

    @OptionGroup var jsonOption: JSONOption
    var json: Bool { jsonOption.json }

    @Flag(help: "Write even when the output is estimated above 1 GiB.")
    var force = false

    /// The --png path, relative to the lesson's folder inside a lesson.
    var pngPath: String? { png.map(RunContext.resolve) }

    /// The largest output written without --force.
    static let largestUnforced = 1 << 30

    /// Refuses output estimated above 1 GiB unless --force.
    func checkSize(_ bytes: Int, what: String) throws {
        guard bytes <= Self.largestUnforced || force else {
            throw CLIError("\(what) would write about \(bytes >> 20) MiB (more than 1 GiB); add --force to write it anyway")
        }
    }

    /// Checks before any work that `--png` names a file that can be written.
    func checkPictureFile() throws {
        if let pngPath { try Paths.checkFile(pngPath, option: "--png") }
    }
}

/// One line of JSON at the end: for every command that reports results, `train` and `eval` included.
struct JSONOption: ParsableArguments {
    @Flag(help: "End with one line of JSON holding the results.")
    var json = false
}

/// How often to time a piece of work. Shared by the commands that measure speed.
struct TimingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Timed runs of each kind (the median and the spread are reported).")
    var runs = 5

    @Option(parsing: .unconditional, help: "Untimed runs first.")
    var warmup = 1

    func validate() throws {
        try Limits.check(runs, "--runs", Limits.runs)
        try Limits.check(warmup, "--warmup", Limits.warmup)
    }
}

/// "5,17 42" → [5, 17, 42], at most `limit` of them.
func parseIDs(_ words: [String], flag: String, limit: Int) throws -> [Int] {
    let ids = try words.flatMap { $0.split(separator: ",") }.map { word in
        guard let id = Int(word.trimmingCharacters(in: .whitespaces)) else {
            throw CLIError("\(flag): '\(word)' is not a token id (ids are whole numbers)")
        }
        return id
    }
    guard !ids.isEmpty else { throw CLIError("\(flag): no ids given") }
    guard ids.count <= limit else { throw CLIError("\(flag): \(ids.count) ids, more than this model's maximum of \(limit)") }
    return ids
}

/// "1 token", "7 tokens".
func plural(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

/// A model ready to run, and how to turn text into its ids and back.
struct BuiltModel {
    var model: TransformerModel
    let tokenizer: any Tokenizer
    /// A checkpoint's special ids (where generation starts and stops); nil for a built-in model.
    let specialIDs: SpecialIDs?

    var modelAndTokenizer: (TransformerModel, any Tokenizer) { (model, tokenizer) }
}

/// A parameter budget, which `count` and `train` read alike: each architecture gets the number of
/// layers per stack (at the preset's width) whose parameter count comes closest to it.
struct BudgetOption: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("A parameter budget: each architecture gets the layers per stack (at the preset's width) whose parameter count comes closest to it. count: the budget of its second table (default: the encoder-decoder's count at --layers); train: the model's size, to compare architectures at an equal size.", valueName: "n"))
    var budget: Int?

    func validate() throws { try Limits.check(budget, "--budget", Limits.budget) }
}
