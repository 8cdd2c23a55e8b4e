import Experiments
import Foundation
import Reports
import TensorCore
import Transformer

extension BenchCommand {
    /// Times what `attnlab trace --png` draws for one forward pass — every layer with its heads side
    /// by side, every head on its own, the layers × heads grid — rendered and written as PNG.
    func benchPictures(_ model: TransformerModel, _ input: ModelInput, labels: [Stack: [String]]) throws {
        let trace = try Trace(model, input: input, labels: labels, hooks: "*.pattern", alsoRecord: "*.mask")
        let pictures = self.model.attentionPictures(of: model, Self.modelDefaults)
            .pictures(trace.drawable(scores: false), masks: trace.all, scores: false)
        let (runs, warmup) = (timing.runs, timing.warmup)

        // A scratch folder of an unguessable name (mkdtemp), removed at the end and on Ctrl-C.
        let folder = try ScratchFolder(prefix: "attnlab-bench")
        defer { folder.remove() }
        let path = folder.path
        func drawAll() throws { _ = try OutputSet.writing { try AttentionPictures.write(pictures, into: path, output: $0) } }
        Console.progress("timing \(pictures.count) pictures: \(warmup) warm-up, \(runs) runs…")
        for _ in 0..<warmup { try drawAll() }
        let times = try (0..<runs).map { _ in try Stopwatch.milliseconds { try drawAll() } }
        let total = Stopwatch.median(times), each = total / Double(pictures.count)
        let bytes = try FileManager.default.contentsOfDirectory(at: URL(fileURLWithPath: path), includingPropertiesForKeys: [.fileSizeKey])
            .reduce(0) { $0 + ((try? $1.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0) }

        let tokens = input.decoder?.count ?? input.encoder?.count ?? 0
        Console.say("\(pictures.count) pictures of \(self.model.modelSummary(Self.modelDefaults))'s patterns at \(tokens) tokens, on \(Parallel.cores) cores")
        Console.say(String(format: "  all pictures:   %8.1f ms  (median of %d; %.1f MB of PNG)", total, runs, Double(bytes) / 1e6))
        Console.say(String(format: "  per picture:    %8.2f ms", each))
        var result: [String: Any] = ["pictures": pictures.count, "tokens": tokens, "total_ms": JSONLine.rounded(total),
                                     "ms_per_picture": JSONLine.rounded(each)]
        if matplotlib {
            Console.progress("timing matplotlib with \(matplotlibScript)…")
            let reference = try PythonReference.run(matplotlibScript, ["--tokens", String(tokens), "--images", "5"])
            guard let seconds = reference["seconds_per_image"] as? Double else {
                throw CLIError("\(matplotlibScript) did not report seconds_per_image")
            }
            Console.say(String(format: "  matplotlib:     %8.2f ms per labelled heatmap → attnlab takes 1/%.0f of its time per picture",
                               seconds * 1000, seconds * 1000 / each))
            result["matplotlib_ms_per_picture"] = JSONLine.rounded(seconds * 1000)
            result["ratio_to_matplotlib"] = JSONLine.rounded(each / (seconds * 1000))
        }
        if output.json { try JSONLine.say(result) }
    }
}
