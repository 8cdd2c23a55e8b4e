import Checkpoints
import Experiments
import Foundation
import Transformer

extension BenchCommand {
    /// Times opening the --model checkpoint as `trace` does (config.json, the weights, tokenizer.json)
    /// and then one traced pass over the input (tokenizing included, every pattern recorded), each
    /// run from scratch; and, first of all in this process, how much memory reading the weights
    /// takes beside their one Float32 copy.
    func benchLoading() throws {
        guard let given = model.model else { throw CLIError("--load times opening a checkpoint: add --model DIR") }
        let folder = try ModelLocation.folder(for: given)
        let (runs, warmup) = (timing.runs, timing.warmup)
        Console.progress("reading the weights once, measuring memory…")
        let memory = try ModelFolder.measureLoad(folder)
        var tokens = 0, patterns = 0
        func openAndTrace() throws -> (open: Double, trace: Double) {
            var built: BuiltModel?
            let open = try Stopwatch.milliseconds { built = try self.model.build() }
            guard let built else { throw CLIError("the checkpoint did not load") }
            let trace = try Stopwatch.milliseconds {
                // A checkpoint without a tokenizer it can read runs on 13 seeded ids instead.
                let readsText = (try? built.tokenizer.checkEncodable(Self.loadingText)) != nil
                let defaults = readsText ? InputOptions.Defaults(text: Self.loadingText, target: Self.loadingText)
                    : InputOptions.Defaults(tokens: 13)
                let (modelInput, _) = try input.resolve(for: built.model, tokenizer: built.tokenizer, seed: self.model.resolvedSeed,
                                                        defaults: defaults)
                let tracer = Tracer()
                _ = try built.model.forward(modelInput, pass: Pass(hooks: .recording(tracer, pattern: "*.pattern")))
                tokens = modelInput.encoder?.count ?? modelInput.decoder?.count ?? 0
                patterns = tracer.recordings.count
            }
            return (open, trace)
        }
        Console.progress("timing open + trace: \(warmup) warm-up, \(runs * rounds) timed…")
        for _ in 0..<warmup { _ = try openAndTrace() }
        let times = try (0..<(runs * rounds)).map { _ in try openAndTrace() }
        Console.progress("")
        let open = Stopwatch.median(times.map(\.open)), trace = Stopwatch.median(times.map(\.trace))
        let total = Stopwatch.median(times.map { $0.open + $0.trace })
        Console.say("\(model.modelSummary()): opened and traced from scratch, \(tokens) tokens, \(patterns) patterns recorded")
        Console.say("  weights:        \(memory)")
        Console.say(String(format: "  open:           %8.1f ms  (median of %d: config.json, the weights, tokenizer.json)", open, times.count))
        Console.say(String(format: "  trace:          %8.1f ms  (tokenize, forward, record every pattern)", trace))
        Console.say(String(format: "  open + trace:   %8.1f ms", total))
        if output.json {
            try JSONLine.say(["tokens": tokens, "open_ms": JSONLine.rounded(open), "trace_ms": JSONLine.rounded(trace),
                              "total_ms": JSONLine.rounded(total), "weights_read_s": JSONLine.rounded(memory.seconds),
                              "file_bytes": memory.fileBytes, "float32_bytes": memory.tensorBytes,
                              "peak_growth_bytes": memory.peakGrowthBytes])
        }
    }

    /// What `--load` traces when given no input: a sentence of 13 WordPiece tokens for MiniLM.
    static let loadingText = "The bank of the river was muddy after the rain."
}
