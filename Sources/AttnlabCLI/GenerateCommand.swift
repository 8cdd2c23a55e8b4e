import ArgumentParser
import Foundation
import Heatmap
import TensorCore
import Transformer

/// `attnlab generate`: greedy generation one token at a time, showing what the KV cache holds.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate greedily, step by step, showing the KV cache and each new token's attention.",
        discussion: """
            Each step runs the decoder on the one new token and reads every earlier key and value from \
            the cache. Per step it prints the chosen token, the cache's shape and bytes per layer, the \
            new token's attention row (last layer, head 0), and the work done compared with recomputing \
            the whole sequence. It ends by generating again without the cache and comparing the tokens. \
            The built-in models are untrained, so the words they choose mean nothing; the mechanics are real.
            """)

    @OptionGroup var model: ModelOptions

    @Option(help: "The prompt: the decoder's start (decoder-only) or the encoder's input (encoder-decoder).")
    var prompt: String

    @Option(help: "How many tokens to generate.")
    var steps = 8

    @Option(help: ArgumentHelp("Also plot the work per step, with the cache and recomputing.", valueName: "file"))
    var png: String?

    @Flag(help: "One line per step: the token, the cache's length and bytes per layer, and the work.")
    var brief = false

    func validate() throws {
        guard model.arch != .encoderOnly else {
            throw ValidationError("an encoder-only model does not generate: use --arch decoder-only or encoder-decoder")
        }
        guard (1...512).contains(steps) else { throw ValidationError("--steps must be 1...512") }
        if model.mask == .bidirectional {
            throw ValidationError("a bidirectional decoder cannot generate with a KV cache: earlier tokens would have to see later ones")
        }
    }

    func run() throws {
        let built = try self.model.makeModel()
        let tokenizer = BuiltinTokenizer.shared
        let architecture = built.architecture
        guard !tokenizer.tokenize(prompt).isEmpty else { throw CLIError("--prompt is empty: give a few words to start from") }
        let encoderTokens = architecture == .encoderDecoder ? tokenizer.encode(prompt, for: .encoder, of: architecture) : []
        var sequence = architecture == .encoderDecoder ? [tokenizer.special(BuiltinTokenizer.beginning)]
            : tokenizer.encode(prompt, for: .decoder, of: architecture)
        let input = ModelInput(encoder: architecture == .encoderDecoder ? encoderTokens.map(\.id) : nil, decoder: sequence.map(\.id))
        try built.validate(input)
        if self.model.mask == .prefixLM, let prefix = self.model.prefix, prefix > sequence.count {
            throw CLIError("--prefix \(prefix) is longer than the decoder's start (\(plural(sequence.count, "token"))): "
                           + "a prefix-LM's bidirectional part must be the prompt, which is known before generating")
        }
        guard sequence.count + steps <= built.config.maxLength else {
            throw CLIError("the prompt and \(steps) steps need \(sequence.count + steps) positions; this model has \(built.config.maxLength)")
        }

        Console.say(self.model.summary)
        if architecture == .encoderDecoder {
            Console.say("encoder input (\(plural(encoderTokens.count, "token"))): \(encoderTokens.map(\.text).joined(separator: " ")) — encoded once, in parallel")
            Console.say("cross-attention keys and values: computed on the first step for all \(encoderTokens.count) encoder tokens, then reused")
        }
        Console.say("decoder start (\(plural(sequence.count, "token"))): \(sequence.map(\.text).joined(separator: " "))")

        // First without the cache (silently: its tokens and the work of recomputing every step),
        // then with it, step by step, showing what the cache holds.
        var recomputedWork: [Double] = []
        let uncached = try generateGreedy(built, input: input, steps: steps, cached: false,
                                          observe: { recomputedWork.append(Double($0.flops) / 1e6) })
        let last = built.config.layers - 1
        var tracers: [Tracer] = []
        var cachedWork: [Double] = []
        let chosen = try generateGreedy(built, input: input, steps: steps, cached: true, pass: { _ in
            let tracer = Tracer(labels: [.decoder: sequence.map(\.text), .encoder: encoderTokens.map(\.text)])
            tracers.append(tracer)
            return Pass(hooks: .recording(tracer, pattern: "decoder.\(last).*_attn.pattern"))
        }, observe: { step in
            let word = tokenizer.tokens(ids: [step.token])[0].text
            cachedWork.append(Double(step.flops) / 1e6)
            let recomputed = step.index < recomputedWork.count ? recomputedWork[step.index] : .nan
            if brief {
                Console.say(String(format: "step %3d: ", step.index + 1) + "'\(word)'".padding(toLength: 14, withPad: " ", startingAt: 0)
                            + String(format: "cache %4d positions, %8d bytes per layer;  work %.3f MFLOP, recomputing %.3f",
                                     step.cache?.length ?? 0, step.cache?.bytesPerLayer ?? 0, Double(step.flops) / 1e6, recomputed))
            } else {
                Console.say("step \(step.index + 1): '\(word)' (id \(step.token))")
                Console.say("  KV cache: \(built.config.layers) layers, each [keys+values, positions, heads, d_head] = "
                            + "\(step.cache?.layerShape ?? []), \(step.cache?.bytesPerLayer ?? 0) bytes")
                if step.index == 0, let cross = step.cache?.crossBytesPerLayer, cross > 0 {
                    Console.say("  cross-attention keys and values, computed in this step for the whole input and kept: \(cross) bytes per layer")
                }
                for (kind, name) in [("self-attention", "self_attn"), ("cross-attention", "cross_attn")] {
                    if let row = tracers.last?["decoder.\(last).\(name).pattern"] { Console.say("  " + attentionRow(row, kind: kind, layer: last)) }
                }
                Console.say(String(format: "  work: %.3f MFLOP with the cache; recomputing the whole sequence (%@) would take %.3f MFLOP",
                                   Double(step.flops) / 1e6, plural(step.sequenceLength, "token"), recomputed))
            }
            sequence.append(Token(id: step.token, text: word))
        })

        Console.say("generated: \(tokenizer.tokens(ids: chosen).map(\.text).joined(separator: " "))")
        Console.say("generating again without the cache chose the same \(steps) tokens: \(uncached == chosen ? "yes" : "NO — they differ")")
        Console.say(String(format: "total work: %.2f MFLOP with the cache, %.2f MFLOP recomputing every step",
                           cachedWork.reduce(0, +), recomputedWork.reduce(0, +)))
        if uncached != chosen { throw CLIError("cached and uncached generation disagree") }

        if let png = png.map(RunContext.resolve) {
            let xs = (1...steps).map(Double.init)
            let plot = LinePlot(title: "Work per generated token", subtitle: "\(self.model.summary); matrix-product FLOPs of each step",
                                xLabel: "step", yLabel: "MFLOP",
                                series: [.init(name: "with the KV cache", x: xs, y: cachedWork),
                                         .init(name: "recomputing the sequence", x: xs, y: recomputedWork)])
            try writePicture(plot.render(), to: png)
        }
    }

    /// "self-attention of the new token (layer 1, head 0): <bos> 0.31 | the 0.12 …", largest first when long.
    /// The new token is the last query row: at the first step the call also held the prompt.
    private func attentionRow(_ recording: Recording, kind: String, layer: Int) -> String {
        let (queries, keys) = (recording.tensor.shape[1], recording.tensor.shape[2])
        let weights = Array(recording.tensor.scalars[((queries - 1) * keys)..<(queries * keys)])   // head 0, last row
        let labels = recording.columnLabels ?? []
        var pairs = Array(zip(labels, weights))
        var suffix = ""
        if pairs.count > 8 {
            pairs = Array(pairs.sorted { $0.1 > $1.1 }.prefix(6))
            suffix = " … (the 6 largest of \(weights.count))"
        }
        return "\(kind) of the new token (layer \(layer), head 0): "
            + pairs.map { "\($0.0) \(String(format: "%.2f", $0.1))" }.joined(separator: " | ") + suffix
    }
}

/// "1 token", "7 tokens".
func plural(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
