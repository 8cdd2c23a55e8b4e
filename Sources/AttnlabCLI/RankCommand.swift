import ArgumentParser
import Foundation
import Heatmap
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

    @Option(help: "The model's size.")
    var preset: Preset = .tiny

    @Option(help: "Seed of the weights. Default 0.") var seed: UInt64?

    @Option(help: "The text.")
    var text = "the cat sat on the mat and the dog sat on the rug near the door"

    @Option(help: "Which layer's pattern.") var layer = 0
    @Option(help: "Which head's pattern.") var head = 0

    @Option(help: ArgumentHelp("Also plot both sets of singular values.", valueName: "file")) var png: String?

    func run() throws {
        let seed = self.seed ?? RunContext.seed ?? 0
        var model = try TransformerModel.random(.encoderOnly, preset.config(), seed: seed)
        guard (0..<model.config.layers).contains(layer), (0..<model.config.heads).contains(head) else {
            throw CLIError("--layer must be 0...\(model.config.layers - 1) and --head 0...\(model.config.heads - 1) for \(preset.rawValue)")
        }
        let tokens = BuiltinTokenizer.shared.encode(text, for: .encoder, of: .encoderOnly)
        guard tokens.count > 2 else { throw CLIError("--text is empty: give some words") }
        let input = ModelInput(encoder: tokens.map(\.id))
        try model.validate(input)

        func pattern() throws -> Tensor {
            let tracer = Tracer()
            _ = try model.forward(input, pass: Pass(hooks: .recording(tracer, pattern: "encoder.\(layer).self_attn.pattern")))
            guard let recording = tracer.recordings.first else { throw CLIError("no pattern was recorded") }
            return recording.tensor.slice(head)
        }
        let bidirectionalPattern = try pattern()
        model.selfAttentionRules[.encoder] = causal()
        let causalPattern = try pattern()

        Console.say("\(preset.rawValue), seed \(seed), layer \(layer) head \(head), \(tokens.count) tokens: \(tokens.map(\.text).joined(separator: " "))")
        var series: [LinePlot.Series] = []
        for (name, p) in [("causal", causalPattern), ("bidirectional", bidirectionalPattern)] {
            let values = try LinearAlgebra.singularValues(p)
            let (sign, log10Det) = LinearAlgebra.determinant(p)
            let tolerance = (values.first ?? 0) * Float(values.count) * Float.ulpOfOne
            let rank = values.filter { $0 > tolerance }.count
            Console.say("")
            Console.say("\(name) pattern (\(p.shape[0]) × \(p.shape[1])):")
            Console.say("  singular values, largest to smallest: " + values.map { String(format: "%.3g", $0) }.joined(separator: " "))
            Console.say("  numerical rank: \(rank) of \(values.count); largest / smallest singular value: "
                        + (values.last.map { $0 > 0 ? String(format: "%.3g", (values.first ?? 0) / $0) : "infinite" } ?? "—"))
            Console.say("  determinant: " + (sign == 0 ? "0" : "\(sign < 0 ? "-" : "")10^\(String(format: "%.2f", log10Det))"))
            if name == "causal" {
                let diagonal = (0..<p.shape[0]).map { Double(p[$0, $0]) }
                Console.say("  its diagonal runs from \(String(format: "%.3g", diagonal.min() ?? 0)) to \(String(format: "%.3g", diagonal.max() ?? 0)); "
                            + "product of the diagonal: 10^\(String(format: "%.2f", diagonal.map(log10).reduce(0, +)))"
                            + " — the determinant of a triangular matrix, and never 0")
            }
            series.append(.init(name: name, y: values.map(Double.init)))
        }
        if let png = png.map(RunContext.resolve) {
            let plot = LinePlot(title: "Singular values: causal vs bidirectional",
                                subtitle: "\(preset.rawValue), seed \(seed), encoder layer \(layer) head \(head), the same weights and text",
                                xLabel: "index (largest first)", yLabel: "singular value", series: series, logY: true)
            try writePicture(plot.render(), to: png)
        }
    }
}
