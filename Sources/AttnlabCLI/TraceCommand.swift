import ArgumentParser
import Foundation
import Experiments
import Reports
import TensorCore
import Transformer

/// `attnlab trace`: run one forward pass and keep the activations at the hook points asked for.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Run a model on an input and record its attention (and any other hook point).",
        discussion: """
            Hook names are paths: encoder.0.self_attn.pattern, decoder.1.cross_attn.scores, \
            decoder.embed, logits. --hooks takes globs ('*' matches anything), comma-separated.

            Examples:
              attnlab trace --arch encoder-only --text "the cat sat on the mat" --npy Output/trace
              attnlab trace --arch encoder-decoder --text "the cat sat" --target "le chat" --hooks '*cross_attn*'
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Which hook points to record (globs, comma-separated; 'attnlab hooks' lists them).")
    var hooks = "*.pattern"

    @Option(help: ArgumentHelp("Write one <hook name>.npy per recorded activation, and tokens.json, into this folder.", valueName: "dir"))
    var npy: String?

    @Flag(help: "With --png, also draw the raw scores before the mask, on a diverging scale.")
    var scores = false

    @Option(help: ArgumentHelp("With --png, which pictures: layers (heads side by side), heads (one each), grid (layers × heads).",
                               valueName: "layers,heads,grid"))
    var draw = "layers,heads,grid"

    private var kinds: Set<AttentionPictures.Kind> {
        Set(draw.split(separator: ",").compactMap { AttentionPictures.Kind(rawValue: $0.trimmingCharacters(in: .whitespaces)) })
    }

    func validate() throws {
        if scores && output.png == nil { throw ValidationError("--scores draws pictures: add --png") }
        let words = draw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if let bad = words.first(where: { AttentionPictures.Kind(rawValue: $0) == nil }) {
            throw ValidationError("--draw takes layers, heads and grid, comma-separated; '\(bad)' is none of them")
        }
        if words.isEmpty { throw ValidationError("--draw needs at least one of layers, heads and grid") }
        if draw != "layers,heads,grid" && output.png == nil { throw ValidationError("--draw chooses pictures: add --png") }
        if let npy, npy.isEmpty { throw ValidationError("--npy needs a folder name; the path is empty") }
    }

    /// The --png folder, with the default filled in.
    private var pngFolder: String? {
        output.png.map { $0.isEmpty ? RunContext.defaultFolder("trace-\(defaultName)") : RunContext.resolve($0) }
    }

    /// The default folder's name: the architecture's, or the checkpoint folder's (so that two
    /// checkpoints do not draw over each other), kept to letters, digits and `-_.`.
    private var defaultName: String {
        guard let given = model.model else { return model.architecture(ModelDefaults()).rawValue }
        let name = String(URL(fileURLWithPath: given).lastPathComponent.map { ch -> Character in
            ch.isASCII && (ch.isLetter || ch.isNumber || "-_.".contains(ch)) ? ch : "_"
        })
        return name.isEmpty || name.hasPrefix(".") ? "model" : name
    }

    private var npyFolder: String? { npy.map(RunContext.resolve) }

    mutating func run() throws {
        let (built, tokenizer) = try model.build().modelAndTokenizer
        let (modelInput, labels) = try input.resolve(for: built, tokenizer: tokenizer, seed: model.resolvedSeed)
        try model.checkPrefix(against: modelInput, of: built)
        if let npyFolder { try Paths.checkFolder(npyFolder, option: "--npy") }
        if let pngFolder { try Paths.checkFolder(pngFolder, option: "--png") }
        // What the tracer will keep, known from the model's hook points before anything runs.
        let extra = pngFolder == nil ? "" : scores ? "*.mask,*.scores" : "*.mask"
        let recorded = estimatedBytes(built, modelInput, recording: extra.isEmpty ? hooks : hooks + "," + extra)
        try Limits.checkMemory(built, modelInput, recorded: recorded)
        if npyFolder != nil { try output.checkSize(estimatedBytes(built, modelInput, recording: hooks), what: "this trace's .npy export") }

        Console.progress("tracing \(model.modelSummary())…")
        let trace = try Trace(built, input: modelInput, labels: labels, hooks: hooks, alsoRecord: extra)
        Console.progress("")
        Console.say(model.summary())
        for stack in built.architecture.stacks {
            let words = labels[stack] ?? []
            Console.say("\(stack.rawValue) tokens (\(words.count)): \(words.joined(separator: " "))")
        }
        if trace.fullyBlockedRows > 0 {
            Console.note("note: \(trace.fullyBlockedRows) query rows had every key blocked; their pattern rows are all 0")
        }
        guard !trace.asked.isEmpty else {
            throw CLIError("no hook point matches --hooks '\(hooks)'; try '*.pattern' or see 'attnlab hooks' for names")
        }
        Console.say("recorded \(trace.asked.count) activations matching '\(hooks)':")
        for recording in trace.asked {
            Console.say("  \(recording.name)  \(recording.tensor.shape)")
        }

        let described: [String: any Sendable] = model.model.map { ["architecture": built.architecture.rawValue, "checkpoint": $0] }
            ?? ["architecture": built.architecture.rawValue, "preset": (model.preset ?? .tiny).rawValue, "seed": model.resolvedSeed]
        let export = NpyExport(model: described,
                               recordings: trace.asked, input: modelInput, labels: labels)
        let pictures = pngFolder == nil ? [] : model.attentionPictures(of: built)
            .pictures(trace.drawable(scores: scores), masks: trace.all, scores: scores, kinds: kinds)
        if pngFolder != nil && pictures.isEmpty {
            throw CLIError("--png draws attention patterns, and --hooks '\(hooks)' recorded none; try --hooks '*.pattern'")
        }
        try output.checkSize((npyFolder == nil ? 0 : export.estimatedBytes) + AttentionPictures.estimatedBytes(pictures),
                             what: "this trace")   // again, now that the pictures are known

        let written = try OutputSet.writing { files -> (npy: [String], png: [String]) in
            var npyPaths: [String] = [], pngPaths: [String] = []
            if let npyFolder {
                Console.progress("writing \(trace.asked.count) .npy files…")
                npyPaths = try export.write(into: npyFolder, output: files)
            }
            if let pngFolder {
                Console.progress("drawing \(pictures.count) pictures…")
                pngPaths = try AttentionPictures.write(pictures, into: pngFolder, output: files, skipped: { Console.note("note: \($0)") })
            }
            Console.progress("")
            return (npyPaths, pngPaths)
        }.result
        if let npyFolder {
            Console.say("wrote \(written.npy.count - 1) .npy files and tokens.json to \(npyFolder)")
        }
        for path in written.png { Console.say("wrote \(path)") }
        // In a lesson, the terminal shows the pictures too: a layer's heads first, then single heads, then grids.
        let order = pictures.filter { !$0.file.contains(".head") && !$0.file.hasSuffix(".grid.png") }
            + pictures.filter { $0.file.contains(".head") } + pictures.filter { $0.file.hasSuffix(".grid.png") }
        for picture in order {
            if let path = written.png.first(where: { $0 == picture.file || $0.hasSuffix("/" + picture.file) }) {
                RunContext.drew(picture.figure, file: path)
                RunContext.wrotePicture(path, title: picture.figure.title)
            }
        }
    }

    /// The bytes of the activations `recording` matches (and of their .npy files), known from the
    /// model's hook points before anything runs.
    private func estimatedBytes(_ built: TransformerModel, _ input: ModelInput, recording: String) -> Int {
        let wanted = NamePattern(recording)
        return built.hookPoints(encoderTokens: input.encoder?.count ?? 0, decoderTokens: input.decoder?.count ?? 0)
            .filter { wanted.matches($0.name) }
            .reduce(0) { $0 + 128 + 4 * $1.shape.reduce(1, *) }
    }
}
