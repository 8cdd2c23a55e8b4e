import ArgumentParser
import Foundation
import Experiments
import Heatmap
import Reports
import TensorCore
import Transformer

/// `attnlab rank`: singular values of causal and bidirectional patterns from the same weights.
struct RankCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rank",
        abstract: "Compare the singular values and determinants of causal and bidirectional attention patterns.",
        discussion: """
            One set of weights, run twice on the same text: once with the bidirectional mask, once with \
            the causal one. A causal pattern is lower-triangular with a positive diagonal, so its \
            determinant is the product of that diagonal and can never be 0: it always has full rank. A \
            bidirectional pattern has no such guarantee.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    @Option(parsing: .unconditional, help: "Which layer's pattern.") var layer = 0
    @Option(parsing: .unconditional, help: "Which head's pattern.") var head = 0

    static let defaults = InputOptions.Defaults(text: "the cat sat on the mat and the dog sat on the rug near the door")
    static let modelDefaults = ModelDefaults(architecture: .encoderOnly)

    func validate() throws {
        try Limits.check(layer, "--layer", Limits.layerIndex)
        try Limits.check(head, "--head", Limits.headIndex)
        if model.mask != nil { throw ValidationError("rank runs the pattern under both masks itself; leave out --mask") }
    }

    func run() throws {
        let (built, tokenizer) = try model.build(Self.modelDefaults).modelAndTokenizer
        guard layer < built.config.layers, head < built.config.heads else {
            throw CLIError("--layer must be 0...\(built.config.layers - 1) and --head 0...\(built.config.heads - 1) for this model")
        }
        try output.checkPictureFile()
        let (modelInput, labels) = try input.resolve(for: built, tokenizer: tokenizer, seed: model.resolvedSeed, defaults: Self.defaults)
        let stack: Stack = built.architecture == .decoderOnly ? .decoder : .encoder
        let words = labels[stack] ?? []
        let comparison = try RankComparison(built, input: modelInput, stack: stack, layer: layer, head: head)

        Console.say("\(model.modelSummary(Self.modelDefaults)), \(stack.rawValue) layer \(layer) head \(head), \(words.count) tokens: \(words.joined(separator: " "))")
        for (name, analysis) in [("causal", comparison.causal), ("bidirectional", comparison.bidirectional)] {
            let values = analysis.singularValues
            Console.say("")
            Console.say("\(name) pattern (\(analysis.size) × \(analysis.size)):")
            Console.say("  singular values, largest to smallest: " + values.map { String(format: "%.3g", $0) }.joined(separator: " "))
            Console.say("  float32 noise floor (largest × n × ε = \(String(format: "%.3g", values.first ?? 0)) × \(analysis.size) × \(String(format: "%.3g", Float.ulpOfOne))): "
                        + String(format: "%.3g", analysis.noiseFloor) + "; values below it are rounding, not structure")
            Console.say("  numerical rank (singular values above the floor): \(analysis.numericalRank) of \(analysis.size)")
            Console.say("  determinant: " + (analysis.determinantSign == 0 ? "0"
                        : "\(analysis.determinantSign < 0 ? "-" : "")10^\(String(format: "%.2f", analysis.log10Determinant))"))
            if analysis.isLowerTriangular {
                Console.say("  lower-triangular; its diagonal runs from \(String(format: "%.3g", analysis.diagonalRange.lowerBound)) to "
                            + "\(String(format: "%.3g", analysis.diagonalRange.upperBound)); product of the diagonal: "
                            + "10^\(String(format: "%.2f", analysis.log10DiagonalProduct)) — the determinant of a triangular matrix, and never 0: exact full rank")
            }
        }
        if let png = output.pngPath {
            let subtitle = model.pictureSubtitle(Self.modelDefaults) + "\n\(stack.rawValue) layer \(layer) head \(head), the same weights and text"
            try writePicture(LinePlot.singularValues(comparison, subtitle: subtitle), to: png)
        }
        if output.json {
            var object: [String: Any] = ["layer": layer, "head": head]
            for (name, analysis) in [("causal", comparison.causal), ("bidirectional", comparison.bidirectional)] {
                object[name] = ["singular_values": analysis.singularValues.map(Double.init), "noise_floor": Double(analysis.noiseFloor),
                                "numerical_rank": analysis.numericalRank, "determinant_sign": analysis.determinantSign,
                                "log10_determinant": analysis.log10Determinant.isFinite ? analysis.log10Determinant : -1e308]
            }
            try JSONLine.say(object)
        }
    }
}
