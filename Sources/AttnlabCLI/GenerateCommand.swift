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
        guard sequence.count + steps <= built.config.maxLength else {
            throw CLIError("the prompt and \(steps) steps need \(sequence.count + steps) positions; this model has \(built.config.maxLength)")
        }

        Console.say(self.model.summary)
        let memory = architecture == .encoderDecoder ? try built.encode(input.encoder ?? []) : nil
        if let memory {
            Console.say("encoder input (\(plural(encoderTokens.count, "token"))): \(encoderTokens.map(\.text).joined(separator: " ")) — encoded once, in parallel")
            Console.say("cross-attention keys and values: computed on the first step for all \(memory.shape[0]) encoder tokens, then reused")
        }
        Console.say("decoder start (\(plural(sequence.count, "token"))): \(sequence.map(\.text).joined(separator: " "))")

        let last = built.config.layers - 1
        var cache: KVCache? = KVCache(for: built.config)
        var pending = sequence.map(\.id)
        var chosen: [Int] = [], cachedWork: [Double] = [], recomputedWork: [Double] = []
        for step in 0..<steps {
            let tracer = Tracer(labels: [.decoder: sequence.map(\.text), .encoder: encoderTokens.map(\.text)])
            let pass = Pass(hooks: .recording(tracer, pattern: "decoder.\(last).*_attn.pattern"))
            let (logits, flops) = try FlopCounter.measure { try built.decode(pending, memory: memory, cache: &cache, pass: pass) }
            var noCache: KVCache? = nil
            let (_, fullFlops) = try FlopCounter.measure { try built.decode(sequence.map(\.id), memory: memory, cache: &noCache) }
            let next = argmax(logits.row(logits.shape[0] - 1))
            let word = next < tokenizer.vocabularySize ? tokenizer.vocabulary[next] : "#\(next)"
            chosen.append(next)
            cachedWork.append(Double(flops) / 1e6)
            recomputedWork.append(Double(fullFlops) / 1e6)

            let layerCache = cache?.layerShape ?? []
            if brief {
                Console.say(String(format: "step %3d: %-12@ cache %4d positions, %8d bytes per layer;  work %.3f MFLOP, recomputing %.3f",
                                   step + 1, "'\(word)'" as NSString, cache?.length ?? 0, cache?.bytesPerLayer ?? 0,
                                   cachedWork.last ?? 0, recomputedWork.last ?? 0))
                sequence.append(Token(id: next, text: word))
                pending = [next]
                continue
            }
            Console.say("step \(step + 1): '\(word)' (id \(next))")
            Console.say("  KV cache: \(built.config.layers) layers, each [keys+values, positions, heads, d_head] = \(layerCache), "
                        + "\(cache?.bytesPerLayer ?? 0) bytes")
            if let row = tracer["decoder.\(last).self_attn.pattern"] { Console.say("  " + attentionRow(row, kind: "self-attention", layer: last)) }
            if let row = tracer["decoder.\(last).cross_attn.pattern"] { Console.say("  " + attentionRow(row, kind: "cross-attention", layer: last)) }
            Console.say(String(format: "  work: %.3f MFLOP with the cache; recomputing the whole sequence (%@) would take %.3f MFLOP",
                               cachedWork.last ?? 0, plural(sequence.count, "token"), recomputedWork.last ?? 0))
            sequence.append(Token(id: next, text: word))
            pending = [next]
        }

        let uncached = try generateGreedy(built, input: input, steps: steps, cached: false)
        Console.say("generated: \(chosen.map { $0 < tokenizer.vocabularySize ? tokenizer.vocabulary[$0] : "#\($0)" }.joined(separator: " "))")
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

    /// "self-attention of the new token (layer 1, head 0): <bos> 0.31 · the 0.12 …", largest first when long.
    private func attentionRow(_ recording: Recording, kind: String, layer: Int) -> String {
        let weights = Array(recording.tensor.scalars.prefix(recording.tensor.shape[2]))   // head 0, the one query row
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
