import ArgumentParser
import Foundation
import Experiments
import TensorCore
import Transformer

/// `attnlab bench`: how fast the model core runs, against references measured in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a forward pass to logits with every attention pattern recorded.",
        discussion: """
            Reports the median of several runs after a warm-up: milliseconds, achieved GFLOP/s (from the \
            matrix products actually performed), the same process's cblas_sgemm GFLOP/s on a large \
            square product, and the cost of recording every pattern. --torch also times PyTorch eager \
            on the same input size (Tests/Benchmarks/torch_gpt2_forward.py) and reports the ratio.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var timing: TimingOptions
    @OptionGroup var output: OutputOptions

    @Option(parsing: .unconditional, help: "OpenBLAS threads, 1...256 (default: OpenBLAS's own choice, one per core).")
    var threads: Int?

    static let modelDefaults = ModelDefaults(architecture: .decoderOnly, preset: .gpt2Small)
    static let defaults = InputOptions.Defaults(tokens: 128)

    @Flag(help: "Also time PyTorch eager on the same model (needs python3 with torch and transformers).")
    var torch = false

    @Option(help: "The PyTorch reference script (default Tests/Benchmarks/torch_gpt2_forward.py, or torch_train_step.py with --train).")
    var torchScript: String?

    var torchScriptPath: String {
        torchScript ?? (train ? "Tests/Benchmarks/torch_train_step.py" : "Tests/Benchmarks/torch_gpt2_forward.py")
    }

    @Flag(help: "Time training steps instead (decoder-only; default tiny, batch 32 of 32 tokens): forward, loss, backward, clipping, AdamW.")
    var train = false

    @OptionGroup var batchOption: BatchOption

    @Option(parsing: .unconditional, help: "Repeat the whole measurement this many times (with --torch: PyTorch, then attnlab, each round), and report medians. A shared machine's speed drifts; pairing the two in time keeps the ratio fair.")
    var rounds = 1

    @Flag(help: "Time the pictures instead: render and write every pattern as `trace --png` does.")
    var pictures = false

    @Flag(help: "With --pictures, also time matplotlib on the same picture (Tests/Benchmarks/matplotlib_heatmap.py).")
    var matplotlib = false

    @Option(help: "The matplotlib reference script.")
    var matplotlibScript = "Tests/Benchmarks/matplotlib_heatmap.py"

    @Flag(help: "Also show where one forward pass spends its time, stage by stage.")
    var breakdown = false

    @Flag(help: "Time opening the --model checkpoint and tracing its input (default: a 13-token sentence), each run from scratch, and the memory its weights take.")
    var load = false

    func validate() throws {
        try Limits.check(rounds, "--rounds", Limits.rounds)
        try Limits.check(threads, "--threads", Limits.threads)
        if output.png != nil { throw ValidationError("bench draws nothing to keep; --pictures times the drawing") }
        if train && (pictures || breakdown) { throw ValidationError("--train times training steps; leave out --pictures and --breakdown") }
        if train && model.architecture(Self.modelDefaults) != .decoderOnly { throw ValidationError("--train times a decoder-only model; leave out --arch") }
        if batchOption.batch != nil && !train { throw ValidationError("--batch goes with --train") }
        if torch && !train && (model.architecture(Self.modelDefaults) != .decoderOnly || (model.preset ?? .gpt2Small) != .gpt2Small
                     || [model.width, model.heads, model.layers, model.mlp, model.vocab].contains { $0 != nil }) {
            throw ValidationError("--torch compares GPT-2 small as PyTorch builds it: leave out --arch, --preset and the size options")
        }
        if matplotlib && !pictures { throw ValidationError("--matplotlib goes with --pictures") }
        if pictures && (torch || breakdown) { throw ValidationError("--torch and --breakdown time the forward pass; leave out --pictures") }
        if load && (train || pictures || torch || breakdown) { throw ValidationError("--load times opening a checkpoint; leave out --train, --pictures, --torch and --breakdown") }
        if load && model.model == nil { throw ValidationError("--load times opening a checkpoint: add --model DIR") }
    }

    func run() throws {
        let previousThreads = BLASThreads.count   // restored at the end: tests run commands in one process
        defer { BLASThreads.set(previousThreads) }
        if let threads { BLASThreads.set(threads) }
        // The references are checked before any timing, so a missing torch is said at once.
        if torch { try PythonReference.check(torchScriptPath, option: "--torch-script", modules: ["torch", "transformers"]) }
        if matplotlib { try PythonReference.check(matplotlibScript, option: "--matplotlib-script", modules: ["matplotlib"]) }
        if train {
            // As `attnlab train` does: one OpenBLAS thread for the toy presets (measured faster).
            if threads == nil && (self.model.preset ?? .tiny) != .gpt2Small { BLASThreads.set(1) }
            let model = try self.model.makeModel(ModelDefaults(architecture: .decoderOnly, preset: .tiny))
            let length = input.tokens ?? 32
            guard length + 1 <= model.config.maxLength else {
                throw CLIError("--tokens \(length): a training sequence needs \(length + 1) positions; this model has \(model.config.maxLength)")
            }
            return try benchTraining(model, batch: batchOption.batch ?? 32, length: length)
        }
        if load { return try benchLoading() }
        Console.progress("building \(self.model.modelSummary(Self.modelDefaults))…")
        let (model, tokenizer) = try self.model.build(Self.modelDefaults).modelAndTokenizer
        let (input, labels) = try self.input.resolve(for: model, tokenizer: tokenizer, seed: self.model.resolvedSeed, defaults: Self.defaults)
        try self.model.checkPrefix(against: input, of: model)
        let tokens = input.decoder?.count ?? input.encoder?.count ?? 0
        let (runs, warmup) = (timing.runs, timing.warmup)
        if pictures { return try benchPictures(model, input, labels: labels) }

        Console.progress("timing the forward pass: \(warmup) warm-up, \(runs) runs traced and \(runs) untraced…")
        func traced() throws -> Tracer {
            let tracer = Tracer()
            _ = try model.forward(input, pass: Pass(hooks: .recording(tracer, pattern: "*.pattern")))
            return tracer
        }
        for _ in 0..<warmup { _ = try traced() }
        var tracedTimes: [Double] = [], plainTimes: [Double] = [], torchTimes: [Double] = [], ratios: [Double] = []
        var sgemmRates: [Double] = []
        for round in 0..<rounds {
            // The sgemm reference is taken next to the forward passes it is compared with.
            Console.progress("timing cblas_sgemm on a 2048 × 2048 product…")
            sgemmRates.append(Self.sgemmGflops(size: 2048, runs: 3))
            if torch {
                Console.progress("round \(round + 1) of \(rounds): PyTorch eager with \(torchScriptPath)…")
                let reference = try PythonReference.run(torchScriptPath, ["--tokens", String(tokens), "--runs", String(runs),
                                                                            "--threads", String(BLASThreads.count)])
                guard let ms = reference["forward_ms"] as? Double else { throw CLIError("\(torchScriptPath) did not report forward_ms") }
                torchTimes.append(ms)
            }
            var roundTimes: [Double] = []
            for _ in 0..<runs {   // interleaved, so drift in the machine's speed hits both alike
                roundTimes.append(try Stopwatch.milliseconds { _ = try traced() })
                plainTimes.append(try Stopwatch.milliseconds { _ = try model.forward(input) })
            }
            tracedTimes += roundTimes
            if let last = torchTimes.last { ratios.append(Stopwatch.median(roundTimes) / last) }
        }
        let (tracer, flops) = try FlopCounter.measure { try traced() }
        let forward = Stopwatch.median(tracedTimes), plain = Stopwatch.median(plainTimes), sgemmGflops = Stopwatch.median(sgemmRates)
        let gflops = Double(flops) / forward / 1e6
        let overhead = forward / plain - 1

        Console.say("\(self.model.modelSummary(Self.modelDefaults)): forward to logits, \(tokens) tokens, \(tracer.recordings.count) patterns recorded, "
            + "OpenBLAS \(BLASCore.name) kernels on \(BLASThreads.count) threads")
        Console.say(String(format: "  forward:        %8.1f ms  (median of %d; %.1f GFLOP of matrix products)", forward, tracedTimes.count, Double(flops) / 1e9))
        Console.say(String(format: "  achieved:       %8.1f GFLOP/s  = %.0f%% of this process's sgemm", gflops, 100 * gflops / sgemmGflops))
        Console.say(String(format: "  sgemm 2048³:    %8.1f GFLOP/s", sgemmGflops))
        Console.say(String(format: "  untraced:       %8.1f ms  → recording every pattern costs %+.1f%%", plain, 100 * overhead))
        var result: [String: Any] = [
            "preset": (self.model.preset ?? .gpt2Small).rawValue, "tokens": tokens, "runs": tracedTimes.count, "threads": BLASThreads.count, "blas_core": BLASCore.name,
            "forward_ms": JSONLine.rounded(forward), "untraced_ms": JSONLine.rounded(plain), "gflops": JSONLine.rounded(gflops),
            "sgemm_gflops": JSONLine.rounded(sgemmGflops), "tracing_overhead": JSONLine.rounded(overhead),
            "patterns_recorded": tracer.recordings.count,
        ]
        if breakdown { try showBreakdown(model, input) }
        if torch {
            let torchMs = Stopwatch.median(torchTimes), ratio = Stopwatch.median(ratios)
            Console.say(String(format: "  PyTorch eager:  %8.1f ms  → attnlab takes %.2f× PyTorch's time", torchMs, ratio)
                        + (rounds > 1 ? " (median of \(rounds) paired rounds: " + ratios.map { String(format: "%.2f", $0) }.joined(separator: ", ") + ")" : ""))
            result["torch_ms"] = JSONLine.rounded(torchMs)
            result["ratio_to_torch"] = JSONLine.rounded(ratio)
        }
        if output.json { try JSONLine.say(result) }
    }

    /// Where one pass spends its time: the time between consecutive hook points, attributed to the
    /// point that ends the interval and summed over layers (median of 3 passes).
    func showBreakdown(_ model: TransformerModel, _ input: ModelInput) throws {
        var order: [String] = []
        var current: [String: Double] = [:]
        var last = DispatchTime.now().uptimeNanoseconds
        var hooks = Hooks()
        hooks.add("*.embed,*.resid_pre,*.scores,*.pattern,*.z,*.out,*.resid_mid,*.resid_post,logits") { context, _ in
            let now = DispatchTime.now().uptimeNanoseconds
            // "decoder.3.self_attn.scores" → "self_attn.scores": one row per stage, not per layer
            let parts = context.point.name.split(separator: ".")
            let stage = parts.count > 2 ? parts.dropFirst(2).joined(separator: ".") : context.point.name
            if !order.contains(stage) { order.append(stage) }
            current[stage, default: 0] += Double(now - last) / 1e6
            last = DispatchTime.now().uptimeNanoseconds
            return nil
        }
        var passes: [[String: Double]] = []
        for _ in 0..<3 {
            current = [:]
            last = DispatchTime.now().uptimeNanoseconds
            _ = try model.forward(input, pass: Pass(hooks: hooks))
            passes.append(current)
        }
        Console.say("  time by stage, summed over layers (each row: the work since the row above):")
        for stage in order {
            let ms = Stopwatch.median(passes.map { $0[stage] ?? 0 })
            Console.say("    " + stage.padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: "%8.2f ms", ms))
        }
    }

    /// cblas_sgemm's speed on an n × n × n product, median of `runs`.
    static func sgemmGflops(size n: Int, runs: Int) -> Double {
        var rng = SeededGenerator(seed: 99)
        let a = rng.uniformTensor(shape: [n, n], std: 1), b = rng.uniformTensor(shape: [n, n], std: 1)
        _ = matmul(a, b)
        let times = (0..<runs).map { _ in Stopwatch.milliseconds { _ = matmul(a, b) } }
        return 2 * Double(n * n * n) / Stopwatch.median(times) / 1e6
    }

}
