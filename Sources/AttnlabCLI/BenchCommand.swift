import ArgumentParser
import Foundation
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

    @Option(help: "The model's size.")
    var preset: Preset = .gpt2Small

    @Option(help: "Input length (a seeded random sequence).")
    var tokens = 128

    @Option(help: "Timed runs of each kind (the median is reported).")
    var runs = 7

    @Option(help: "Untimed runs first.")
    var warmup = 2

    @Option(help: "OpenBLAS threads (default: OpenBLAS's own choice, one per core).")
    var threads: Int?

    @Option(name: .customLong("seed"), help: "Seed of the weights and the input. Default 0.")
    var seedOption: UInt64?

    var seed: UInt64 { seedOption ?? RunContext.seed ?? 0 }

    @Flag(help: "Also time PyTorch eager GPT-2 (needs python3 with torch and transformers).")
    var torch = false

    @Option(help: "The PyTorch reference script.")
    var torchScript = "Tests/Benchmarks/torch_gpt2_forward.py"

    @Option(help: "Repeat the whole measurement this many times (with --torch: PyTorch, then attnlab, each round), and report medians. A shared machine's speed drifts; pairing the two in time keeps the ratio fair.")
    var rounds = 1

    @Flag(help: "Time the pictures instead: render and write every pattern as `trace --png` does.")
    var pictures = false

    @Flag(help: "With --pictures, also time matplotlib on the same picture (Tests/Benchmarks/matplotlib_heatmap.py).")
    var matplotlib = false

    @Option(help: "The matplotlib reference script.")
    var matplotlibScript = "Tests/Benchmarks/matplotlib_heatmap.py"

    @Flag(help: "Also show where one forward pass spends its time, stage by stage.")
    var breakdown = false

    @Flag(help: "End with one line of JSON: forward_ms, gflops, sgemm_gflops, tracing_overhead, …")
    var json = false

    func validate() throws {
        guard tokens >= 1 else { throw ValidationError("--tokens must be at least 1") }
        guard runs >= 1, warmup >= 0, rounds >= 1 else { throw ValidationError("--runs and --rounds must be at least 1, --warmup at least 0") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if matplotlib && !pictures { throw ValidationError("--matplotlib goes with --pictures") }
        if pictures && (torch || breakdown) { throw ValidationError("--torch and --breakdown time the forward pass; leave out --pictures") }
    }

    func run() throws {
        if let threads { BLASThreads.set(threads) }
        let config = preset.config()
        guard tokens <= config.maxLength else {
            throw CLIError("--tokens \(tokens) is more than \(preset.rawValue)'s maximum length of \(config.maxLength)")
        }
        for (wanted, script, flag) in [(torch, torchScript, "--torch-script"), (matplotlib, matplotlibScript, "--matplotlib-script")]
        where wanted && !FileManager.default.fileExists(atPath: script) {
            throw CLIError("cannot find \(script); run from the project folder or pass \(flag)")
        }
        Console.note("building \(preset.rawValue) with seed \(seed)…")
        let model = try TransformerModel.random(.decoderOnly, config, seed: seed)
        var rng = SeededGenerator(seed: seed &+ 1)
        let input = ModelInput(decoder: (0..<tokens).map { _ in rng.nextInt(below: config.vocabularySize) })
        if pictures { return try benchPictures(model, input) }

        Console.note("timing the forward pass: \(warmup) warm-up, \(runs) runs traced and \(runs) untraced…")
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
            Console.note("timing cblas_sgemm on a 2048 × 2048 product…")
            sgemmRates.append(Self.sgemmGflops(size: 2048, runs: 3))
            if torch {
                Console.note("round \(round + 1) of \(rounds): PyTorch eager with \(torchScript)…")
                let reference = try Timing.runPythonReference(torchScript, ["--tokens", String(tokens), "--runs", String(runs),
                                                                            "--threads", String(BLASThreads.count)])
                guard let ms = reference["forward_ms"] as? Double else { throw CLIError("\(torchScript) did not report forward_ms") }
                torchTimes.append(ms)
            }
            var roundTimes: [Double] = []
            for _ in 0..<runs {   // interleaved, so drift in the machine's speed hits both alike
                roundTimes.append(try Timing.milliseconds { _ = try traced() })
                plainTimes.append(try Timing.milliseconds { _ = try model.forward(input) })
            }
            tracedTimes += roundTimes
            if let last = torchTimes.last { ratios.append(Timing.median(roundTimes) / last) }
        }
        let (tracer, flops) = try FlopCounter.measure { try traced() }
        let forward = Timing.median(tracedTimes), plain = Timing.median(plainTimes), sgemmGflops = Timing.median(sgemmRates)
        let gflops = Double(flops) / forward / 1e6
        let overhead = forward / plain - 1

        Console.say("\(preset.rawValue) decoder-only forward to logits, \(tokens) tokens, \(tracer.recordings.count) patterns recorded, "
            + "OpenBLAS \(BLASCore.name) kernels on \(BLASThreads.count) threads")
        Console.say(String(format: "  forward:        %8.1f ms  (median of %d; %.1f GFLOP of matrix products)", forward, tracedTimes.count, Double(flops) / 1e9))
        Console.say(String(format: "  achieved:       %8.1f GFLOP/s  = %.0f%% of this process's sgemm", gflops, 100 * gflops / sgemmGflops))
        Console.say(String(format: "  sgemm 2048³:    %8.1f GFLOP/s", sgemmGflops))
        Console.say(String(format: "  untraced:       %8.1f ms  → recording every pattern costs %+.1f%%", plain, 100 * overhead))
        var result: [String: Any] = [
            "preset": preset.rawValue, "tokens": tokens, "runs": tracedTimes.count, "threads": BLASThreads.count, "blas_core": BLASCore.name,
            "forward_ms": Timing.rounded(forward), "untraced_ms": Timing.rounded(plain), "gflops": Timing.rounded(gflops),
            "sgemm_gflops": Timing.rounded(sgemmGflops), "tracing_overhead": Timing.rounded(overhead),
            "patterns_recorded": tracer.recordings.count,
        ]
        if breakdown { try showBreakdown(model, input) }
        if torch {
            let torchMs = Timing.median(torchTimes), ratio = Timing.median(ratios)
            Console.say(String(format: "  PyTorch eager:  %8.1f ms  → attnlab takes %.2f× PyTorch's time", torchMs, ratio)
                        + (rounds > 1 ? " (median of \(rounds) paired rounds: " + ratios.map { String(format: "%.2f", $0) }.joined(separator: ", ") + ")" : ""))
            result["torch_ms"] = Timing.rounded(torchMs)
            result["ratio_to_torch"] = Timing.rounded(ratio)
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            Console.say(String(decoding: data, as: UTF8.self))
        }
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
            let ms = Timing.median(passes.map { $0[stage] ?? 0 })
            Console.say("    " + stage.padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: "%8.2f ms", ms))
        }
    }

    /// cblas_sgemm's speed on an n × n × n product, median of `runs`.
    static func sgemmGflops(size n: Int, runs: Int) -> Double {
        var rng = SeededGenerator(seed: 99)
        let a = rng.uniformTensor(shape: [n, n], std: 1), b = rng.uniformTensor(shape: [n, n], std: 1)
        _ = matmul(a, b)
        let times = (0..<runs).map { _ in Timing.milliseconds { _ = matmul(a, b) } }
        return 2 * Double(n * n * n) / Timing.median(times) / 1e6
    }

}
