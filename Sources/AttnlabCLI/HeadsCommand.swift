import ArgumentParser
import Experiments
import Foundation
import Heatmap
import Reports
import Transformer

/// `attnlab heads`: find heads by what they do — sinks on special tokens, previous token, next token.
struct HeadsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heads",
        abstract: "Find attention heads by measurement: sinks on [CLS]/[SEP], previous-token and next-token heads.",
        discussion: """
            Runs the model once on --text (default: an encoder-only model with random weights, on \
            "the bank of the river") and measures, in every head of every layer of the stack that \
            reads the text (the encoder; a decoder-only model's decoder), its mean attention weight \
            for each role. "Attends to [CLS]" (or to any other special token): the weight the words \
            put on that token, averaged over the words as queries. "Previous token": the weight on \
            key q-1, averaged over the positions q where q and q-1 are both words. "Next token": the \
            same with key q+1.

            Words are the text's own tokens; the special tokens the model frames them with ([CLS], \
            [SEP], <bos>, <eos>) are left out as queries and as neighbours. For each role it prints \
            the strongest head (layer L, head H), its mean weight, the runner-up, and the even \
            spread: what a head spreading each query's weight evenly over the keys its mask allows \
            would get.

            Examples:
              attnlab heads --model all-MiniLM-L6-v2 --png found.png
              attnlab heads --arch encoder-only --text "the cat sat" --table
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "Also print each role's mean weight in every head: layers down, heads across.")
    var table = false

    static let defaults = InputOptions.Defaults(text: "the bank of the river", target: "the")
    static let modelDefaults = ModelDefaults(architecture: .encoderOnly)

    func validate() throws {
        if !input.ids.isEmpty || input.tokens != nil {
            throw ValidationError("heads tells words from special tokens by reading the text: give --text, not --ids or --tokens")
        }
    }

    func run() throws {
        let (built, tokenizer) = try model.build(Self.modelDefaults).modelAndTokenizer
        try output.checkPictureFile()
        let (modelInput, labels) = try input.resolve(for: built, tokenizer: tokenizer, seed: model.resolvedSeed, defaults: Self.defaults)
        try model.checkPrefix(against: modelInput, of: built)
        try Limits.checkMemory(built, modelInput)
        let stack: Stack = built.architecture == .decoderOnly ? .decoder : .encoder
        let text = input.text ?? Self.defaults.text ?? ""
        let framed = modelInput.tokens(stack) ?? []
        let special = HeadRoles.specialPositions(framed: framed, words: tokenizer.tokenize(text).map(\.id))
        let roles: HeadRoles
        do {
            roles = try HeadRoles(built, input: modelInput, stack: stack, labels: labels, special: special)
        } catch let error as ExperimentError {
            throw CLIError("\(error)")
        }

        Console.say(model.summary(Self.modelDefaults))
        let words = labels[stack] ?? []
        Console.say("\(stack.rawValue) tokens (\(words.count)): \(words.joined(separator: " "))")
        let specials = roles.special.sorted().map { "\(words[$0]) at \($0)" }
        Console.say("special tokens: \(specials.isEmpty ? "none" : specials.joined(separator: ", ")); "
                    + "the other \(plural(words.count - specials.count, "token")) are the words")
        Console.say("")
        TextTable(header: ["role", "strongest head", "mean weight", "runner-up", "even spread"],
                  rows: roles.measurements.map(Self.row)).say()
        Console.say("(mean weight: over the words as queries; for previous and next token, over the pairs of neighbouring words)")

        if table {
            for measurement in roles.measurements {
                Console.say("")
                Console.say("\(measurement.role), mean weight in each head (layers down, heads across):")
                TextTable(header: ["layer"] + (0..<built.config.heads).map { "H\($0)" },
                          rows: measurement.weights.enumerated().map { layer, row in
                              ["L\(layer)"] + row.map { String(format: "%.2f", $0) }
                          }).say()
            }
        }
        if let png = output.pngPath {
            let figure = try Self.figure(roles, describing: model.pictureSubtitle(Self.modelDefaults))
            try writePicture(figure, to: png)
            RunContext.drew(figure, file: png)
        }
        if output.json { try JSONLine.say(Self.json(roles)) }
    }

    /// One line of the summary table.
    private static func row(_ measurement: HeadRoles.Measurement) -> [String] {
        let ranked = measurement.ranked
        func named(_ head: HeadRoles.Head) -> String { "L\(head.layer) H\(head.head)" }
        func weight(_ x: Float) -> String { String(format: "%.3f", x) }
        guard measurement.evenSpread > 0 else {
            return [measurement.role.description, "none: the mask blocks it", weight(ranked[0].weight), "", weight(0)]
        }
        let runnerUp = ranked.count > 1 ? "\(named(ranked[1])) \(weight(ranked[1].weight))" : ""
        return [measurement.role.description, named(ranked[0]), weight(ranked[0].weight), runnerUp, weight(measurement.evenSpread)]
    }

    /// The strongest head of each role side by side, each with its mask's blocked cells.
    private static func figure(_ roles: HeadRoles, describing: String) throws -> MatrixFigure {
        let found = roles.measurements.filter { $0.evenSpread > 0 }
        guard !found.isEmpty else { throw CLIError("no head to draw: the mask blocks every role's keys") }
        let n = roles.labels.count
        let panels = found.map { measurement in
            let head = measurement.strongest
            return LabelledMatrix(rows: n, columns: n, values: roles.patterns[head.layer].slice(head.head).scalars,
                                  rowLabels: roles.labels, columnLabels: roles.labels,
                                  blocked: roles.mask.map { $0.scalars.map { $0 == 0 } },
                                  caption: "L\(head.layer) H\(head.head)")
        }
        // Captions are as wide as a panel of a short sentence allows: the subtitle names the roles.
        let meaning = "left to right: " + found.map(\.role.description).joined(separator: ", ")
        let axes = AttentionPictures.axisTitles(cross: false)
        return MatrixFigure(title: "The heads found by measurement, the strongest for each role",
                            subtitle: "\(describing)\n\(meaning)", panels: [panels], scale: .unit,
                            kind: .values(barLabel: "weight"), rowTitle: axes.rows, columnTitle: axes.columns)
    }

    private static func json(_ roles: HeadRoles) -> [String: Any] {
        let rounded = { (x: Float) in (Double(x) * 1000).rounded() / 1000 }
        return ["tokens": roles.labels, "special": roles.special.sorted(),
                "roles": roles.measurements.map { m -> [String: Any] in
                    var entry: [String: Any] = ["role": m.role.description, "layer": m.strongest.layer, "head": m.strongest.head,
                                                "weight": rounded(m.strongest.weight), "pairs": m.pairs,
                                                "even_spread": rounded(m.evenSpread)]
                    if case .sink(let position, let label) = m.role { entry["key"] = label; entry["position"] = position }
                    return entry
                }]
    }
}
