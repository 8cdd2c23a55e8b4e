import Experiments
import Foundation
import TensorCore
import Training
import Transformer

extension BenchCommand {
    /// Times full training steps of a decoder-only model on random tokens — forward, cross-entropy,
    /// backward, clipping and an AdamW update — as `attnlab train` runs them, and with --torch the
    /// same model, batch and optimiser in PyTorch eager (Tests/Benchmarks/torch_train_step.py),
    /// paired round by round. Reports steps per second and the process's peak memory.
    func benchTraining(_ model: TransformerModel, batch: Int, length: Int) throws {
        let (runs, warmup) = (timing.runs, timing.warmup)
        var built = model
        let vocabulary = model.config.vocabularySize
        var rng = SeededGenerator(seed: self.model.resolvedSeed &+ 7)
        func randomBatch() -> [Example] {
            (0..<batch).map { _ in
                let sequence = (0...length).map { _ in rng.nextInt(below: vocabulary) }
                return Example(input: ModelInput(decoder: Array(sequence.dropLast())), labels: Array(sequence.dropFirst()), targetStart: 0)
            }
        }
        // As `attnlab train` runs a step: the batch in shards side by side for the toy presets.
        let shards = TrainingRun.shards(preset: self.model.preset ?? .tiny, batch: batch)
        var optimizer = AdamW()
        func step() throws {
            var (_, gradients, _) = try TrainingRun.lossAndGradients(built, randomBatch(), shards: shards)
            clipGlobalNorm(&gradients, maxNorm: 1)
            try optimizer.update(&built.weights, gradients: gradients, learningRate: 1e-3)
        }
        let threads = BLASThreads.count
        Console.progress("timing training steps: \(warmup) warm-up, \(runs) timed, per round…")
        for _ in 0..<warmup { try step() }
        var times: [Double] = [], torchRates: [Double] = [], ratios: [Double] = [], torchPeaks: [Double] = []
        for round in 0..<rounds {
            if torch {
                Console.progress("round \(round + 1) of \(rounds): PyTorch eager with \(torchScriptPath)…")
                // PyTorch gets its best of one thread and its default, so the comparison favours it.
                var best: [String: Any]?
                for torchThreads in [1, 0] {
                    let reference = try PythonReference.run(torchScriptPath, [
                        "--width", "\(model.config.width)", "--heads", "\(model.config.heads)", "--layers", "\(model.config.layers)",
                        "--mlp", "\(model.config.mlpWidth)", "--vocab", "\(vocabulary)", "--positions", "\(model.config.maxLength)",
                        "--batch", "\(batch)", "--length", "\(length)", "--steps", "\(runs)", "--warmup", "\(max(warmup, 1))",
                        "--threads", "\(torchThreads)"])
                    if (reference["steps_per_s"] as? Double ?? 0) > (best?["steps_per_s"] as? Double ?? 0) { best = reference }
                }
                guard let rate = best?["steps_per_s"] as? Double else { throw CLIError("\(torchScriptPath) did not report steps_per_s") }
                torchRates.append(rate)
                torchPeaks.append(best?["peak_mib"] as? Double ?? 0)
            }
            Console.progress("round \(round + 1) of \(rounds): attnlab…")
            let roundTimes = try (0..<runs).map { _ in try Stopwatch.milliseconds { try step() } }
            times += roundTimes
            if let rate = torchRates.last { ratios.append((1000 / Stopwatch.median(roundTimes)) / rate) }
        }
        Console.progress("")
        let stepMs = Stopwatch.median(times), stepsPerSecond = 1000 / stepMs
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let peakMiB = Double(usage.ru_maxrss) / 1024
        Console.say("\(self.model.modelSummary(ModelDefaults(architecture: .decoderOnly, preset: .tiny))): training steps, batch \(batch) × \(length) tokens, AdamW, "
                    + "OpenBLAS \(BLASCore.name) kernels on \(threads) threads, the batch in \(shards) shards side by side")
        Console.say(String(format: "  one step:       %8.2f ms  (median of %d) = %.1f steps/s", stepMs, times.count, stepsPerSecond))
        Console.say(String(format: "  peak memory:    %8.0f MiB (the whole process)", peakMiB))
        var result: [String: Any] = ["preset": (self.model.preset ?? .tiny).rawValue, "batch": batch, "length": length, "threads": threads,
                                     "shards": shards, "step_ms": JSONLine.rounded(stepMs), "steps_per_s": JSONLine.rounded(stepsPerSecond),
                                     "peak_mib": JSONLine.rounded(peakMiB)]
        if torch {
            let torchRate = Stopwatch.median(torchRates), ratio = Stopwatch.median(ratios)
            Console.say(String(format: "  PyTorch eager:  %8.1f steps/s, peak memory %.0f MiB → attnlab takes %.2f× PyTorch's steps per second",
                               torchRate, Stopwatch.median(torchPeaks), ratio)
                        + (rounds > 1 ? " (median of \(rounds) paired rounds)" : ""))
            result["torch_steps_per_s"] = JSONLine.rounded(torchRate)
            result["torch_peak_mib"] = JSONLine.rounded(Stopwatch.median(torchPeaks))
            result["ratio_to_torch"] = JSONLine.rounded(ratio)
        }
        if output.json { try JSONLine.say(result) }
    }
}
