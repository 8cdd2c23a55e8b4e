import Foundation
import TensorCore
import Transformer

extension BenchCommand {
    /// Times what `attnlab trace --png` draws for one forward pass — every layer with its heads side
    /// by side, every head on its own, the layers × heads grid — rendered and written as PNG.
    func benchPictures(_ model: TransformerModel, _ input: ModelInput) throws {
        let tracer = Tracer(labels: [.decoder: BuiltinTokenizer.shared.tokens(ids: input.decoder ?? []).map(\.text)])
        _ = try model.forward(input, pass: Pass(hooks: .recording(tracer, pattern: "*.pattern,*.mask")))
        let pictures = AttentionPictures(model: "\(preset.rawValue), seed \(seed)", maskNames: ["decoder.self_attn": "causal"])
            .pictures(tracer.recordings.filter { $0.name.hasSuffix(".pattern") }, masks: tracer.recordings, scores: false)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attnlab-bench-\(ProcessInfo.processInfo.processIdentifier)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = try Files.prepareFolder(folder.path)
        let path = url.path
        Console.note("timing \(pictures.count) pictures: \(warmup) warm-up, \(runs) runs…")
        for _ in 0..<warmup { _ = try AttentionPictures.write(pictures, into: path) }
        let times = try (0..<runs).map { _ in try Timing.milliseconds { _ = try AttentionPictures.write(pictures, into: path) } }
        let total = Timing.median(times), each = total / Double(pictures.count)
        let bytes = try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: [.fileSizeKey])
            .reduce(0) { $0 + ((try? $1.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0) }

        Console.say("\(pictures.count) pictures of \(preset.rawValue)'s patterns at \(tokens) tokens, on \(Parallel.cores) cores")
        Console.say(String(format: "  all pictures:   %8.1f ms  (median of %d; %.1f MB of PNG)", total, runs, Double(bytes) / 1e6))
        Console.say(String(format: "  per picture:    %8.2f ms", each))
        var result: [String: Any] = ["pictures": pictures.count, "tokens": tokens, "total_ms": Timing.rounded(total),
                                     "ms_per_picture": Timing.rounded(each)]
        if matplotlib {
            Console.note("timing matplotlib with \(matplotlibScript)…")
            let reference = try Timing.runPythonReference(matplotlibScript, ["--tokens", String(tokens), "--images", "5"])
            guard let seconds = reference["seconds_per_image"] as? Double else {
                throw CLIError("\(matplotlibScript) did not report seconds_per_image")
            }
            Console.say(String(format: "  matplotlib:     %8.2f ms per labelled heatmap → attnlab takes 1/%.0f of its time per picture",
                               seconds * 1000, seconds * 1000 / each))
            result["matplotlib_ms_per_picture"] = Timing.rounded(seconds * 1000)
            result["ratio_to_matplotlib"] = Timing.rounded(each / (seconds * 1000))
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            Console.say(String(decoding: data, as: UTF8.self))
        }
    }
}
