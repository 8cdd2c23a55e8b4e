import ArgumentParser
import Foundation
import Experiments
import Heatmap
import Reports
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

    @OptionGroup var model: ModelOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    @OptionGroup var budgetOption: BudgetOption
    var budget: Int? { budgetOption.budget }

    static let modelDefaults = ModelDefaults(preset: .gpt2Small)
    static let defaultTokens = 512

    func validate() throws {
        if model.arch != nil { throw ValidationError("count compares all three architectures; leave out --arch") }
        if model.mask != nil { throw ValidationError("count counts the architectures' own masks; leave out --mask") }
        if input.text != nil || !input.ids.isEmpty || input.target != nil || !input.targetIds.isEmpty {
            throw ValidationError("count needs only a length: give --tokens N (default \(Self.defaultTokens))")
        }
    }

    func run() throws {
        var config = try model.config(Self.modelDefaults)
        let tokens = input.tokens ?? Self.defaultTokens
        config.maxLength = max(config.maxLength, tokens)
        try output.checkPictureFile()
        let comparison = ArchitectureComparison(config, tokens: tokens, budget: budget)
        let split = ArchitectureComparison.split(.encoderDecoder, tokens: tokens)
        Console.say("width \(config.width), \(config.layers) layers per stack, MLP \(config.mlpWidth), vocabulary \(config.vocabularySize), learned positions, "
                    + "tied unembedding; sequences of \(tokens) tokens (for encoder-decoder: \(split.encoder) source + \(split.decoder) target)")
        Console.say("")
        Console.say("At equal width and depth (parameters in millions; GFLOP of one forward pass):")
        table(comparison.equalDepth)

        Console.say("")
        Console.say("At an equal budget of \(millions(comparison.budget))M parameters:")
        TextTable(header: ["architecture", "layers", "parameters", "one forward pass"], rows: comparison.equalBudget.map { m in
            [m.architecture.rawValue, "\(m.config.layers)\(m.architecture == .encoderDecoder ? " per stack" : "")",
             "\(millions(m.parameters))M", "\(gflops(m.flops)) GFLOP"]
        }).say()

        Console.say("")
        Console.say("Training targets from one sequence of \(tokens) tokens:")
        Console.say("  causal language model (decoder-only): \(comparison.causalLMTargets) — every token but the first is predicted")
        Console.say("  masked language model (encoder-only, 15% masked): \(comparison.maskedLMTargets)")
        Console.say("  sequence to sequence (encoder-decoder), \(split.encoder) source + \(split.decoder) target tokens: "
                    + "\(comparison.sequenceToSequenceTargets) — the target tokens only")

        if let png = output.pngPath {
            try writePicture(LinePlot.parametersByDepth(comparison, depths: Array(1...max(2 * config.layers, 4))), to: png)
        }
        if output.json {
            func row(_ m: ModelCount) -> [String: Any] {
                ["architecture": m.architecture.rawValue, "layers": m.config.layers, "parameters": m.parameters, "flops": m.flops]
            }
            try JSONLine.say(["tokens": tokens, "budget": comparison.budget, "equal_depth": comparison.equalDepth.map(row),
                              "equal_budget": comparison.equalBudget.map(row),
                              "targets": ["causal_lm": comparison.causalLMTargets, "masked_lm": comparison.maskedLMTargets,
                                          "sequence_to_sequence": comparison.sequenceToSequenceTargets]])
        }
    }
    /// Components down, architectures across; each cell is "parameters  GFLOP".
    private func table(_ counts: [ModelCount]) {
        let names = ["embeddings", "self-attention", "cross-attention", "MLP", "norms", "unembedding"]
        var rows = names.map { name in
            [name] + counts.map { c -> String in
                guard let part = c.components.first(where: { $0.name == name }) else { return "—" }
                let parameters = name == "unembedding" && part.parameters == 0 ? "tied" : "\(millions(part.parameters))M"
                return "\(parameters)  \(gflops(part.flops)) GF"
            }
        }
        rows.append(["total"] + counts.map { "\(millions($0.parameters))M  \(gflops($0.flops)) GF" })
        TextTable(header: ["component"] + counts.map(\.architecture.rawValue), rows: rows).say()
    }

    private func millions(_ n: Int) -> String { String(format: "%.2f", Double(n) / 1e6) }
    private func gflops(_ n: Int) -> String { String(format: "%.1f", Double(n) / 1e9) }
}
