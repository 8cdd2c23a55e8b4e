import ArgumentParser
import Foundation
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

    @Option(help: "Which hook points to record (globs, comma-separated).")
    var hooks = "*.pattern"

    @Option(help: ArgumentHelp("Write one <hook name>.npy per recorded activation, and tokens.json, into this folder.", valueName: "dir"))
    var npy: String?

    @Option(help: ArgumentHelp("Draw every recorded pattern as PNG: per layer (heads side by side), per head, and a layers × heads grid. The folder may be left out: Output/trace-<arch>/.", valueName: "dir"))
    var png: String?

    @Flag(help: "With --png, also draw the raw scores before the mask, on a diverging scale.")
    var scores = false

    @Option(help: ArgumentHelp("With --png, which pictures: layers (heads side by side), heads (one each), grid (layers × heads).",
                               valueName: "layers,heads,grid"))
    var draw = "layers,heads,grid"

    private var kinds: Set<AttentionPictures.Kind> {
        Set(draw.split(separator: ",").compactMap { AttentionPictures.Kind(rawValue: $0.trimmingCharacters(in: .whitespaces)) })
    }

    func validate() throws {
        if scores && png == nil { throw ValidationError("--scores draws pictures: add --png") }
        let words = draw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if let bad = words.first(where: { AttentionPictures.Kind(rawValue: $0) == nil }) {
            throw ValidationError("--draw takes layers, heads and grid, comma-separated; '\(bad)' is none of them")
        }
        if words.isEmpty { throw ValidationError("--draw needs at least one of layers, heads and grid") }
        if draw != "layers,heads,grid" && png == nil { throw ValidationError("--draw chooses pictures: add --png") }
    }

    /// The --png folder, with the default filled in.
    private var pngFolder: String? {
        png.map { $0.isEmpty ? RunContext.defaultFolder("trace-\(model.arch.rawValue)") : RunContext.resolve($0) }
    }

    private var npyFolder: String? { npy.map(RunContext.resolve) }

    mutating func run() throws {
        let model = try self.model.makeModel()
        let (modelInput, labels) = try input.resolve(for: model, seed: self.model.resolvedSeed)
        for folder in [npyFolder, pngFolder].compactMap({ $0 }) { try Files.checkFolder(folder) }

        // One tracer records what was asked for and, for pictures, the masks (to hatch blocked
        // cells) and with --scores the raw scores; `asked` is what is listed and exported.
        let extra = pngFolder == nil ? "" : scores ? ",*.mask,*.scores" : ",*.mask"
        let tracer = Tracer(labels: labels)
        let pass = Pass(hooks: .recording(tracer, pattern: hooks + extra))
        _ = try model.forward(modelInput, pass: pass)
        let wanted = NamePattern(hooks)
        let asked = tracer.recordings.filter { wanted.matches($0.name) }

        Console.say(self.model.summary)
        for stack in model.architecture.stacks {
            let words = labels[stack] ?? []
            Console.say("\(stack.rawValue) tokens (\(words.count)): \(words.joined(separator: " "))")
        }
        if pass.fullyBlockedRows > 0 {
            Console.note("note: \(pass.fullyBlockedRows) query rows had every key blocked; their pattern rows are all 0")
        }
        guard !asked.isEmpty else {
            throw CLIError("no hook point matches --hooks '\(hooks)'; try '*.pattern' or see 'attnlab trace --help' for names")
        }
        Console.say("recorded \(asked.count) activations matching '\(hooks)':")
        for recording in asked {
            Console.say("  \(recording.name)  \(recording.tensor.shape)")
        }
        if let npyFolder {
            let folder = try Files.prepareFolder(npyFolder)
            try writeNpy(asked, input: modelInput, labels: labels, architecture: model.architecture, into: folder)
            Console.say("wrote \(asked.count) .npy files and tokens.json to \(npyFolder)")
        }
        if let pngFolder {
            // Patterns asked for, and (with --scores) the raw scores of the same attention sites.
            let patterns = asked.filter { $0.name.hasSuffix(".pattern") }
            let sites = Set(patterns.map { $0.name.dropLast(".pattern".count) })
            let drawn = patterns + (scores ? tracer.recordings.filter {
                $0.name.hasSuffix(".scores") && sites.contains($0.name.dropLast(".scores".count))
            } : [])
            let pictures = AttentionPictures(model: self.model.modelSummary, maskNames: maskNames(model))
                .pictures(drawn, masks: tracer.recordings, scores: scores, kinds: kinds)
            guard !pictures.isEmpty else {
                throw CLIError("--png draws attention patterns, and --hooks '\(hooks)' recorded none; try --hooks '*.pattern'")
            }
            _ = try Files.prepareFolder(pngFolder)
            for path in try AttentionPictures.write(pictures, into: pngFolder) { Console.say("wrote \(path)") }
        }
    }

    /// The name of the mask each attention site uses, for picture titles.
    private func maskNames(_ model: TransformerModel) -> [String: String] {
        var names: [String: String] = [:]
        for stack in model.architecture.stacks {
            names["\(stack.rawValue).self_attn"] = model.selfAttentionRules[stack]?.name ?? ""
        }
        names["decoder.cross_attn"] = "cross"
        return names
    }

    private func writeNpy(_ recordings: [Recording], input: ModelInput, labels: [Stack: [String]],
                          architecture: Architecture, into folder: URL) throws {
        var files: [[String: Any]] = []
        for recording in recordings {
            let file = "\(recording.name).npy"
            try Files.write(Npy.encode(recording.tensor), to: folder.appendingPathComponent(file))
            var entry: [String: Any] = ["name": recording.name, "file": file, "shape": recording.tensor.shape,
                                        "rows": recording.context.rows.rawValue]
            if let columns = recording.context.columns { entry["columns"] = columns.rawValue }
            files.append(entry)
        }
        var streams: [String: Any] = [:]
        for (stack, words) in labels {
            streams[stack.rawValue] = ["labels": words, "ids": input.tokens(stack) ?? []]
        }
        let document: [String: Any] = [
            "architecture": architecture.rawValue, "preset": model.preset.rawValue, "seed": model.resolvedSeed,
            "tokens": streams, "recordings": files,
        ]
        let json = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        try Files.write(json + Data("\n".utf8), to: folder.appendingPathComponent("tokens.json"))
    }
}
