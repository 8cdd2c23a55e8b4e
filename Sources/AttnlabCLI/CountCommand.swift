import ArgumentParser
import Foundation
import Heatmap
import Transformer

/// `attnlab count`: parameters, FLOPs and training signal of the three architectures, side by side.
struct CountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Count parameters and FLOPs per component for the three architectures, and their training signal.",
        discussion: """
            First at equal width and depth (an encoder-decoder model has that many layers in each of its \
            two stacks), then at an equal parameter budget (each architecture gets as many layers as the \
            budget buys), then the number of training targets one sequence provides. FLOPs are those of \
            the matrix products of one forward pass. Defaults are GPT-2 small's sizes.
            """)

    @Option(help: "Width of the residual stream (d_model).") var width = 768
    @Option(help: "Layers per stack.") var layers = 12
    @Option(help: "Attention heads (the counts do not depend on it, as long as it divides the width).") var heads = 12
    @Option(help: "MLP hidden width (default 4 × width).") var mlp: Int?
    @Option(help: "Vocabulary size.") var vocab = 50257
    @Option(help: "Tokens per sequence. An encoder-decoder model splits them into a source half and a target half, so all three process the same text.") var tokens = 512
    @Option(help: "Parameter budget for the second table (default: the encoder-decoder's count at --layers).") var budget: Int?
    @Option(help: ArgumentHelp("Also plot parameters against depth for the three.", valueName: "file")) var png: String?

    func validate() throws {
        guard width > 0, layers > 0, heads > 0, vocab > 0, tokens > 0, (mlp ?? 1) > 0 else {
            throw ValidationError("every size must be positive")
        }
        guard width % heads == 0 else { throw ValidationError("--width \(width) is not divisible by --heads \(heads)") }
        // Bounds that keep every count within 64-bit integers, far beyond any real model.
        guard layers <= 256, width <= 16_384, (mlp ?? 0) <= 65_536, vocab <= 1_000_000, tokens <= 65_536 else {
            throw ValidationError("the largest model counted: 256 layers, width 16384, MLP 65536, vocabulary 1000000, 65536 tokens")
        }
        if let budget, budget <= 0 { throw ValidationError("--budget must be positive") }
    }

    var config: ModelConfig {
        ModelConfig(width: width, heads: heads, layers: layers, mlpWidth: mlp ?? 4 * width, vocabularySize: vocab,
                    maxLength: max(1024, tokens))
    }

    /// Tokens each stack of `architecture` processes for one sequence of `tokens`.
    func split(_ architecture: Architecture) -> (encoder: Int, decoder: Int) {
        switch architecture {
        case .encoderOnly: (tokens, 0)
        case .decoderOnly: (0, tokens)
        case .encoderDecoder: (tokens / 2, tokens - tokens / 2)
        }
    }

    func count(_ architecture: Architecture, layers: Int) -> ModelCount {
        var c = config
        c.layers = layers
        let (encoder, decoder) = split(architecture)
        return ModelCount(architecture, c, encoderTokens: encoder, decoderTokens: decoder)
    }

    func run() throws {
        let all = Architecture.allCases
        Console.say("width \(width), \(layers) layers per stack, MLP \(mlp ?? 4 * width), vocabulary \(vocab), learned positions, "
                    + "tied unembedding; sequences of \(tokens) tokens (for encoder-decoder: \(split(.encoderDecoder).encoder) source + "
                    + "\(split(.encoderDecoder).decoder) target)")
        Console.say("")
        Console.say("At equal width and depth (parameters in millions; GFLOP of one forward pass):")
        table(all.map { count($0, layers: layers) })

        let budget = self.budget ?? count(.encoderDecoder, layers: layers).parameters
        Console.say("")
        Console.say("At an equal budget of \(millions(budget))M parameters:")
        let matched = all.map { architecture in
            count(architecture, layers: ModelCount.layers(for: budget, architecture, config,
                                                           encoderTokens: split(architecture).encoder,
                                                           decoderTokens: split(architecture).decoder))
        }
        for m in matched {
            Console.say("  \(m.architecture.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)) "
                        + "\(m.config.layers) layers\(m.architecture == .encoderDecoder ? " per stack" : "")".padding(toLength: 20, withPad: " ", startingAt: 0)
                        + "\(millions(m.parameters))M parameters   \(gflops(m.flops)) GFLOP")
        }

        Console.say("")
        Console.say("Training targets from one sequence of \(tokens) tokens:")
        Console.say("  causal language model (decoder-only): \(TrainingSignal.causalLM(tokens: tokens)) — every token but the first is predicted")
        Console.say("  masked language model (encoder-only, 15% masked): \(TrainingSignal.maskedLM(tokens: tokens))")
        Console.say("  sequence to sequence (encoder-decoder), \(split(.encoderDecoder).encoder) source + \(split(.encoderDecoder).decoder) target tokens: "
                    + "\(TrainingSignal.sequenceToSequence(targetTokens: split(.encoderDecoder).decoder)) — the target tokens only")

        if let png = png.map(RunContext.resolve) {
            let depths = Array(1...max(2 * layers, 4))
            let plot = LinePlot(title: "Parameters by depth", subtitle: "width \(width), vocabulary \(vocab); encoder-only and decoder-only coincide; an encoder-decoder has two stacks of that depth",
                                xLabel: "layers per stack", yLabel: "parameters (millions)",
                                series: all.map { a in .init(name: a.rawValue, x: depths.map(Double.init),
                                                             y: depths.map { Double(count(a, layers: $0).parameters) / 1e6 }) })
            try writePicture(plot.render(), to: png)
        }
    }

    /// Components down, architectures across.
    private func table(_ counts: [ModelCount]) {
        let names = ["embeddings", "self-attention", "cross-attention", "MLP", "norms", "unembedding"]
        let header = "  " + "component".padding(toLength: 16, withPad: " ", startingAt: 0)
            + counts.map { $0.architecture.rawValue.padding(toLength: 24, withPad: " ", startingAt: 0) }.joined()
        Console.say(header)
        for name in names {
            let cells = counts.map { c -> String in
                guard let part = c.components.first(where: { $0.name == name }) else { return "—".padding(toLength: 24, withPad: " ", startingAt: 0) }
                let parameters = name == "unembedding" && part.parameters == 0 ? "tied" : "\(millions(part.parameters))M"
                return "\(parameters)  \(gflops(part.flops)) GF".padding(toLength: 24, withPad: " ", startingAt: 0)
            }
            Console.say("  " + name.padding(toLength: 16, withPad: " ", startingAt: 0) + cells.joined())
        }
        Console.say("  " + "total".padding(toLength: 16, withPad: " ", startingAt: 0)
                    + counts.map { "\(millions($0.parameters))M  \(gflops($0.flops)) GF".padding(toLength: 24, withPad: " ", startingAt: 0) }.joined())
    }

    private func millions(_ n: Int) -> String { String(format: "%.2f", Double(n) / 1e6) }
    private func gflops(_ n: Int) -> String { String(format: "%.1f", Double(n) / 1e9) }
}
