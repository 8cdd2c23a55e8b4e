import ArgumentParser
import Transformer

/// `attnlab hooks`: every hook point a model has, with its shape, in the order a forward pass
/// reaches them: the names `trace --hooks` and the library's hooks take.
struct HooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hooks",
        abstract: "List a model's hook points with their shapes, in forward order.",
        discussion: """
            Shapes are for the input given (by default the tokens of "the cat sat on the mat"): \
            T is the number of tokens of a stack, H the heads, d the width.

            Examples:
              attnlab hooks --arch encoder-decoder
              attnlab hooks --arch decoder-only --preset nano --tokens 4
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var input: InputOptions

    static let defaults = InputOptions.Defaults(text: "the cat sat on the mat", target: "le chat est assis")

    func run() throws {
        let (built, tokenizer) = try model.build().modelAndTokenizer
        let (modelInput, labels) = try input.resolve(for: built, tokenizer: tokenizer, seed: model.resolvedSeed, defaults: model.model == nil ? Self.defaults : InputOptions.Defaults(tokens: 8))
        try model.checkPrefix(against: modelInput, of: built)
        let points = built.hookPoints(encoderTokens: modelInput.encoder?.count ?? 0, decoderTokens: modelInput.decoder?.count ?? 0)
        Console.say(model.summary())
        for stack in built.architecture.stacks {
            Console.say("\(stack.rawValue) tokens (\(labels[stack]?.count ?? 0)): \((labels[stack] ?? []).joined(separator: " "))")
        }
        let nameWidth = points.map(\.name.count).max() ?? 0
        let shapeWidth = points.map { "\($0.shape)".count }.max() ?? 0
        Console.say("\(points.count) hook points, in the order a forward pass reaches them:")
        for info in points {
            Console.say("  " + info.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                        + "\(info.shape)".padding(toLength: shapeWidth, withPad: " ", startingAt: 0) + "  " + info.description)
        }
    }
}
