import ArgumentParser
import Foundation
import Experiments
import Heatmap
import Reports
import TensorCore
import Transformer

/// `attnlab generate`: greedy generation one token at a time, showing what the KV cache holds.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate greedily, step by step, showing the KV cache and the attention that chose each token.",
        discussion: """
            Each step runs the decoder on the one new token and reads every earlier key and value from \
            the cache. Per step it prints the chosen token, the cache's shape and bytes per layer, the \
            attention row of the position that predicted the token (last layer, head 0), and the work done compared with recomputing \
            the whole sequence. It ends by generating again without the cache and comparing the tokens. \
            The built-in models are untrained, so the words they choose mean nothing; the mechanics are real.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    @OptionGroup var stepsOption: StepsOption
    var steps: Int { stepsOption.steps ?? 8 }

    @Flag(help: "One line per step: the token, the cache's length and bytes per layer, and the work.")
    var brief = false

    func validate() throws {
        guard model.arch != .encoderOnly else {
            throw ValidationError("an encoder-only model does not generate: use --arch decoder-only or encoder-decoder")
        }
        try Limits.check(steps, "--steps", Limits.steps)
        if model.mask == .bidirectional {
            throw ValidationError("a bidirectional decoder cannot generate with a KV cache: earlier tokens would have to see later ones")
        }
        if input.isEmpty { throw ValidationError("give a prompt to start from: --text \"…\" (or --ids)") }
        if input.tokens != nil { throw ValidationError("generate starts from a prompt: give --text or --ids, not --tokens") }
    }

    func run() throws {
        let loaded = try model.build()
        let (built, tokenizer) = loaded.modelAndTokenizer
        let architecture = built.architecture
        guard architecture.generates else { throw CLIError("an encoder-only model does not generate; this checkpoint is encoder-only") }
        try output.checkPictureFile()
        // An encoder-decoder model reads the prompt with its encoder; its decoder starts from the
        // tokenizer's framing of no text (<bos>) unless --target gives a start of its own.
        var options = input
        if architecture == .encoderDecoder && input.target == nil && input.targetIds.isEmpty {
            // A checkpoint's decoder starts from its own start token alone, as transformers' generate does.
            let start = loaded.specialIDs?.decoderStart.map { [$0] } ?? tokenizer.encode("", for: .decoder, of: architecture).map(\.id)
            options.targetIds = start.map(String.init)
            if options.targetIds.isEmpty { throw CLIError("this tokenizer has no <bos> to start the decoder from: give --target-ids") }
        }
        let (modelInput, labels) = try options.resolve(for: built, tokenizer: tokenizer, seed: model.resolvedSeed)
        try model.checkPrefix(against: modelInput, of: built)
        let start = modelInput.decoder?.count ?? 0
        // The last token chosen is never fed back, so it needs no position of its own.
        guard start + steps - 1 <= built.config.maxLength else {
            throw CLIError("the prompt and \(steps) steps need \(start + steps - 1) positions; this model has \(built.config.maxLength)")
        }

        Console.say(model.summary())
        if let encoder = labels[.encoder], architecture == .encoderDecoder {
            Console.say("encoder input (\(plural(encoder.count, "token"))): \(encoder.joined(separator: " ")) — encoded once, in parallel")
            Console.say("cross-attention keys and values: computed on the first step for all \(encoder.count) encoder tokens, then reused")
        }
        Console.say("decoder start (\(plural(start, "token"))): \((labels[.decoder] ?? []).joined(separator: " "))")

        // The uncached run goes first and prints nothing: on a terminal, say what is happening.
        Console.progress("generating \(steps) tokens without the cache first, to compare…")
        // A checkpoint ends its answers with its end-of-sequence token (attnlab's trained ones with
        // <eos>); the random built-in models have no answers to end.
        let stop = model.model == nil ? nil : loaded.specialIDs?.stop
            ?? tokenizer.tokenize(BuiltinTokenizer.end).first.map(\.id).flatMap { $0 >= 0 ? $0 : nil }
        let trace = try GenerationTrace(built, input: modelInput, steps: steps, stopAt: stop, labels: labels,
                                        label: { tokenizer.tokens(ids: [$0])[0].text }, observe: { step in
            if step.index == 0 { Console.progress("") }
            if brief { Console.say(briefLine(step)) } else { say(step, layers: built.config.layers) }
        })
        Console.say("generated: \(trace.steps.map(\.label).joined(separator: " "))")
        Console.say("generating again without the cache chose the same \(trace.steps.count) tokens: \(trace.cachedEqualsUncached ? "yes" : "NO — they differ")")
        Console.say(String(format: "total work: %.2f MFLOP with the cache, %.2f MFLOP recomputing every step",
                           Double(trace.steps.map(\.flopsCached).reduce(0, +)) / 1e6,
                           Double(trace.steps.map(\.flopsRecomputed).reduce(0, +)) / 1e6))
        if !trace.cachedEqualsUncached { throw CLIError("cached and uncached generation disagree") }
        if let png = output.pngPath {
            try writePicture(stacked: LinePlot.generationWork(trace, subtitle: model.pictureSubtitle()), to: png)
        }
        if output.json {
            try JSONLine.say(["tokens": trace.cachedTokens, "labels": trace.steps.map(\.label),
                              "cache_bytes_per_layer": trace.steps.map(\.cacheBytesPerLayer),
                              "flops_cached": trace.steps.map(\.flopsCached), "flops_recomputed": trace.steps.map(\.flopsRecomputed),
                              "cached_equals_uncached": trace.cachedEqualsUncached])
        }
    }

    private func briefLine(_ step: GenerationTrace.Step) -> String {
        String(format: "step %3d: ", step.index + 1) + "'\(step.label)'".padding(toLength: 14, withPad: " ", startingAt: 0)
            + String(format: "cache %4d positions, %8d bytes per layer;  work %.3f MFLOP, recomputing %.3f",
                     step.cacheShape.count > 1 ? step.cacheShape[1] : 0, step.cacheBytesPerLayer,
                     Double(step.flopsCached) / 1e6, Double(step.flopsRecomputed) / 1e6)
    }

    private func say(_ step: GenerationTrace.Step, layers: Int) {
        Console.say("step \(step.index + 1): '\(step.label)' (id \(step.token))")
        Console.say("  KV cache: \(layers) layers, each [keys+values, positions, heads, d_head] = "
                    + "\(step.cacheShape), \(step.cacheBytesPerLayer) bytes")
        if step.index == 0, step.crossCacheBytesPerLayer > 0 {
            Console.say("  cross-attention keys and values, computed in this step for the whole input and kept: \(step.crossCacheBytesPerLayer) bytes per layer")
        }
        for row in step.rows { Console.say("  " + describe(row)) }
        Console.say(String(format: "  work: %.3f MFLOP with the cache; recomputing the whole sequence (%@) would take %.3f MFLOP",
                           Double(step.flopsCached) / 1e6, plural(step.sequenceLength, "token"), Double(step.flopsRecomputed) / 1e6))
    }

    /// "self-attention of position 3 ('sat'), which predicted this token (layer 1, head 0): <bos> 0.31 | …",
    /// the largest six when long.
    private func describe(_ row: GenerationTrace.AttentionRow) -> String {
        var pairs = Array(zip(row.keys, row.weights))
        var suffix = ""
        if pairs.count > 8 {
            pairs = Array(pairs.sorted { $0.1 > $1.1 }.prefix(6))
            suffix = " … (the 6 largest of \(row.weights.count))"
        }
        let kind = row.kind == "cross_attn" ? "cross-attention" : "self-attention"
        return "\(kind) of position \(row.predictingPosition) ('\(row.predictingLabel)'), which predicted this token "
            + "(layer \(row.layer), head \(row.head)): " + pairs.map { "\($0.0) \(String(format: "%.2f", $0.1))" }.joined(separator: " | ") + suffix
    }
}
