import ArgumentParser
import Foundation
import TensorCore
import Transformer

extension Architecture: ExpressibleByArgument {}
extension Preset: ExpressibleByArgument {}
extension MaskKind: ExpressibleByArgument {}

/// The masks a stack's self-attention can be given (`padding` and `cross` are not of that kind).
enum SelfAttentionMask: String, CaseIterable, ExpressibleByArgument {
    case bidirectional, causal
    case prefixLM = "prefix-lm"
    case slidingWindow = "sliding-window"

    var kind: MaskKind { MaskKind(rawValue: rawValue) ?? .causal }
}

/// Which model to build: architecture, size, seed, and optionally another self-attention mask.
struct ModelOptions: ParsableArguments {
    @Option(help: "The architecture.")
    var arch: Architecture = .decoderOnly

    @Option(help: "The model's size (gpt2-small has GPT-2 small's shape).")
    var preset: Preset = .tiny

    @Option(help: "Seed of the random weights (and of a --tokens input). Same seed, same numbers. Default 0.")
    var seed: UInt64?

    /// The seed given, else the lesson's, else 0.
    var resolvedSeed: UInt64 { seed ?? RunContext.seed ?? 0 }

    @Option(help: "Another self-attention mask for the model's last stack: the encoder of encoder-only, the decoder otherwise (normally bidirectional for an encoder, causal for a decoder).")
    var mask: SelfAttentionMask?

    @Option(help: "With --mask prefix-lm: how many leading tokens are seen bidirectionally.")
    var prefix: Int?

    @Option(help: "With --mask sliding-window: how many tokens, itself included, each token sees.")
    var window: Int?

    func validate() throws {
        if prefix != nil && mask != .prefixLM { throw ValidationError("--prefix goes with --mask prefix-lm") }
        if window != nil && mask != .slidingWindow { throw ValidationError("--window goes with --mask sliding-window") }
        if mask == .prefixLM && (prefix ?? -1) < 0 { throw ValidationError("--mask prefix-lm needs --prefix K (K ≥ 0)") }
        if mask == .slidingWindow && (window ?? 0) < 1 { throw ValidationError("--mask sliding-window needs --window W (W ≥ 1)") }
    }

    /// The model these options describe, with seeded random weights.
    func makeModel() throws -> TransformerModel {
        var model = try TransformerModel.random(arch, preset.config(), seed: resolvedSeed)
        if let mask {
            let stack: Stack = arch == .encoderOnly ? .encoder : .decoder
            model.selfAttentionRules[stack] = mask.kind.rule(prefix: prefix ?? 0, window: window ?? 1)
        }
        return model
    }

    /// "decoder-only tiny (width 64, 4 heads, 2 layers), seed 0"
    var modelSummary: String {
        let c = preset.config()
        return "\(arch.rawValue) \(preset.rawValue) (width \(c.width), \(c.heads) heads, \(c.layers) layers), seed \(resolvedSeed)"
    }

    /// The model, and the mask when it is not the architecture's own.
    var summary: String { modelSummary + (mask.map { ", mask \($0.rawValue)" } ?? "") }
}

/// What to feed the model: text, token ids, or a seeded random sequence.
struct InputOptions: ParsableArguments {
    @Option(help: "Input text: the encoder's (encoder-only, encoder-decoder) or the decoder's (decoder-only).")
    var text: String?

    @Option(help: "The decoder's text, for encoder-decoder (teacher forcing: the whole target at once).")
    var target: String?

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Token ids instead of --text (e.g. --ids 5 17 42, or 5,17,42).", valueName: "id"))
    var ids: [String] = []

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Token ids instead of --target.", valueName: "id"))
    var targetIds: [String] = []

    @Option(help: "A seeded random input of N tokens instead of text (for benchmarks).")
    var tokens: Int?

    func validate() throws {
        let sources = [text != nil, !ids.isEmpty, tokens != nil].filter { $0 }.count
        if sources > 1 { throw ValidationError("give one of --text, --ids and --tokens, not several") }
        if target != nil && !targetIds.isEmpty { throw ValidationError("give --target or --target-ids, not both") }
        if tokens != nil && (target != nil || !targetIds.isEmpty) {
            throw ValidationError("--tokens makes a random input for every stack; it takes no --target")
        }
        if let tokens, tokens < 1 { throw ValidationError("--tokens must be at least 1") }
    }

    /// The model's input and each stream's token labels.
    func resolve(for model: TransformerModel, seed: UInt64) throws -> (input: ModelInput, labels: [Stack: [String]]) {
        let architecture = model.architecture
        let tokenizer = BuiltinTokenizer.shared
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
            streams[mainStack] = tokenizer.tokens(ids: try parseIDs(ids, flag: "--ids"))
        } else if let text {
            guard !tokenizer.tokenize(text).isEmpty else { throw CLIError("--text is empty: give some words to run") }
            streams[mainStack] = tokenizer.encode(text, for: mainStack, of: architecture)
        } else {
            throw CLIError("no input: give --text \"…\", --ids or --tokens N")
        }

        if architecture == .encoderDecoder && streams[.decoder] == nil {
            if !targetIds.isEmpty {
                streams[.decoder] = tokenizer.tokens(ids: try parseIDs(targetIds, flag: "--target-ids"))
            } else if let target {
                streams[.decoder] = tokenizer.encode(target, for: .decoder, of: architecture)
            } else {
                throw CLIError("an encoder-decoder model also needs the decoder's text: add --target \"…\" (or --target-ids)")
            }
        }
        let input = ModelInput(encoder: streams[.encoder]?.map(\.id), decoder: streams[.decoder]?.map(\.id))
        try model.validate(input)
        return (input, streams.mapValues { $0.map(\.text) })
    }
}

/// "5,17 42" → [5, 17, 42]
func parseIDs(_ words: [String], flag: String) throws -> [Int] {
    try words.flatMap { $0.split(separator: ",") }.map { word in
        guard let id = Int(word.trimmingCharacters(in: .whitespaces)) else {
            throw CLIError("\(flag): '\(word)' is not a token id (ids are whole numbers)")
        }
        return id
    }
}
