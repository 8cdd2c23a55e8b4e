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

    mutating func run() throws {
        let model = try self.model.makeModel()
        let (modelInput, labels) = try input.resolve(for: model, seed: self.model.seed)
        let folder = try npy.map(Files.prepareFolder)

        let tracer = Tracer(labels: labels)
        let pass = Pass(hooks: .recording(tracer, pattern: hooks))
        _ = try model.forward(modelInput, pass: pass)

        Console.say(self.model.summary)
        for stack in model.architecture.stacks {
            let words = labels[stack] ?? []
            Console.say("\(stack.rawValue) tokens (\(words.count)): \(words.joined(separator: " "))")
        }
        if pass.fullyBlockedRows > 0 {
            Console.note("note: \(pass.fullyBlockedRows) query rows had every key blocked; their pattern rows are all 0")
        }
        guard !tracer.recordings.isEmpty else {
            throw CLIError("no hook point matches --hooks '\(hooks)'; try '*.pattern' or see 'attnlab trace --help' for names")
        }
        Console.say("recorded \(tracer.recordings.count) activations matching '\(hooks)':")
        for recording in tracer.recordings {
            Console.say("  \(recording.name)  \(recording.tensor.shape)")
        }
        if let folder {
            try writeNpy(tracer.recordings, input: modelInput, labels: labels, architecture: model.architecture, into: folder)
            Console.say("wrote \(tracer.recordings.count) .npy files and tokens.json to \(npy ?? "")")
        }
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
            "architecture": architecture.rawValue, "preset": model.preset.rawValue, "seed": model.seed,
            "tokens": streams, "recordings": files,
        ]
        let json = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        try Files.write(json + Data("\n".utf8), to: folder.appendingPathComponent("tokens.json"))
    }
}
