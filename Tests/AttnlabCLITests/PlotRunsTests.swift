import Foundation
import Testing
@testable import AttnlabCLI

/// `train --budget` and `plot-runs`, end to end on the nano preset and a few steps.
@Suite struct PlotRunsTests {
    static func lastJSON(_ result: CommandResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data((result.out.last ?? "").utf8)) as? [String: Any])
    }

    /// The three architectures at one budget land within a few percent of it and of each other,
    /// the encoder-decoder on fewer layers per stack; the depth is kept, so --resume rebuilds the model.
    @Test func aBudgetSizesEveryArchitectureToWithinAFewPercent() throws {
        let folder = try temporaryFolder()
        var layers: [String: Int] = [:]
        for arch in ["encoder-only", "decoder-only", "encoder-decoder"] {
            let out = folder.appendingPathComponent(arch)
            let result = attnlab("train", "--task", "count", "--arch", arch, "--preset", "nano", "--budget", "23000",
                                 "--steps", "3", "--out", out.path)
            #expect(result.status == 0, "\(result.err)")
            let record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("training.json"))) as? [String: Any])
            let parameters = try #require(record["parameters"] as? Int)
            #expect(abs(Double(parameters) - 23000) / 23000 < 0.05, "\(arch): \(parameters)")
            layers[arch] = (record["settings"] as? [String: Any])?["layers"] as? Int
            #expect(result.out.contains { $0.hasPrefix("budget 23000 parameters: ") })
        }
        #expect(layers["encoder-only"] == layers["decoder-only"])
        #expect((layers["encoder-decoder"] ?? 99) < (layers["decoder-only"] ?? 0))
        let resumed = attnlab("train", "--resume", folder.appendingPathComponent("encoder-decoder").path, "--steps", "4")
        #expect(resumed.status == 0, "\(resumed.err)")
        #expect(attnlab("train", "--resume", folder.appendingPathComponent("encoder-only").path, "--budget", "5").err.first?.contains("--budget") == true)
    }

    /// Against tokens an lm run is scored at every token and an mlm run at a fraction; the
    /// totals printed agree with the batches, and position reads the held-out accuracy table.
    @Test func plotRunsCountsTokensAndPredictionsAndDrawsBothAxes() throws {
        let folder = try temporaryFolder()
        let lm = folder.appendingPathComponent("lm"), mlm = folder.appendingPathComponent("mlm")
        #expect(attnlab("train", "--task", "lm", "--arch", "decoder-only", "--preset", "nano", "--steps", "8", "--out", lm.path).status == 0)
        #expect(attnlab("train", "--task", "mlm", "--arch", "encoder-only", "--preset", "nano", "--steps", "8", "--out", mlm.path).status == 0)

        let png = folder.appendingPathComponent("tokens.png")
        let byTokens = attnlab("plot-runs", "--run", lm.path, "--run", mlm.path, "--x", "tokens", "--png", png.path, "--json")
        #expect(byTokens.status == 0, "\(byTokens.err)")
        #expect(FileManager.default.fileExists(atPath: png.path))
        let rates = byTokens.out.compactMap { line -> Double? in
            guard let range = line.range(of: "scored: ") else { return nil }
            return Double(line[range.upperBound...].split(separator: " ")[0])
        }
        #expect(rates.count == 2)
        #expect(rates.first == 1.0)                       // lm: a prediction at every input token
        #expect((rates.last ?? 1) > 0.1 && (rates.last ?? 1) < 0.4)   // mlm: the words it hid
        let summary = try Self.lastJSON(byTokens)
        let marks = try #require(summary["marks"] as? [Double])
        #expect(marks.count == 4 && marks == marks.sorted())
        let runs = try #require(summary["runs"] as? [[String: Any]])
        #expect(runs.map { $0["task"] as? String } == ["lm", "mlm"])
        for run in runs { #expect((run["loss_at_marks"] as? [Double])?.allSatisfy { $0.isFinite && $0 > 0 } == true) }

        let byPosition = attnlab("plot-runs", "--run", lm.path, "--run", mlm.path, "--x", "position", "--json")
        #expect(byPosition.status == 0, "\(byPosition.err)")
        let table = try #require(try Self.lastJSON(byPosition)["runs"] as? [[String: Any]])
        #expect(table.allSatisfy { ($0["accuracy_by_position"] as? [Double])?.isEmpty == false })
    }

    @Test func aFolderThatTrainDidNotWriteIsNamed() throws {
        let folder = try temporaryFolder()
        let result = attnlab("plot-runs", "--run", folder.path, "--x", "steps")
        #expect(result.status != 0)
        #expect(result.err.count == 1 && result.err.first?.contains("training.json") == true, "\(result.err)")
        #expect(attnlab("plot-runs", "--x", "steps").err.first?.contains("--run") == true)
    }

    @Test func aLessonMayPlotOnlyRunsInsideItsFolder() {
        #expect(LessonSandbox.problem(with: ["plot-runs", "--run", "/etc", "--x", "steps"]) != nil)
        #expect(LessonSandbox.problem(with: ["plot-runs", "--run", "../elsewhere"]) != nil)
        #expect(LessonSandbox.problem(with: ["plot-runs", "--run", "lm", "--run", "mlm", "--png", "a.png"]) == nil)
    }
}
