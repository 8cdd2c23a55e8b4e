import Foundation
import Testing
import Heatmap
import Experiments
import Training
@testable import Reports
@testable import Transformer

/// The words Reports gives the pictures: where the weights came from, the axis titles, the prefix
/// lines, the change plot's ticks and marker, the KV cache's two plots.
@Suite struct PictureWordsTests {
    @Test func theOriginSaysRandomTrainedOrWhichCheckpoint() {
        #expect(WeightsOrigin.random(seed: 7).description == "random weights, seed 7")
        #expect(WeightsOrigin.trained(task: "reverse (encoder-decoder)", steps: 600, exactMatch: 0.98).description
                == "trained on reverse (encoder-decoder), 600 steps, held-out exact match 0.980")
        #expect(WeightsOrigin.trained(task: "copy", steps: 3, exactMatch: nil).description.hasSuffix("not evaluated on held-out data"))
        #expect(WeightsOrigin.checkpoint(name: "all-MiniLM-L6-v2", format: "Hugging Face bert").description
                == "checkpoint all-MiniLM-L6-v2, pretrained (Hugging Face bert)")
        #expect(WeightsOrigin.subtitle(model: "decoder-only tiny", origin: .random(seed: 0)) == "decoder-only tiny; random weights, seed 0")
    }

    @Test func aTrainingRecordGivesTaskStepsAndTheLastExactMatch() throws {
        let run = try TrainingRun(TrainingSettings(task: .copy, architecture: .decoderOnly, preset: .nano, steps: 5, batch: 2))
        _ = try run.trainStep()
        _ = try run.trainStep()
        let evaluation = try run.evaluate(samples: 4)
        let record = try run.recordJSON(evaluation: evaluation, clearestHead: nil)
        #expect(WeightsOrigin.trainingRecord(record) == .trained(task: run.task.name, steps: 2, exactMatch: evaluation.exactMatch))
        let unevaluated = try run.recordJSON(evaluation: nil, clearestHead: nil)
        #expect(WeightsOrigin.trainingRecord(unevaluated) == .trained(task: run.task.name, steps: 2, exactMatch: nil))
        #expect(WeightsOrigin.trainingRecord(Data("{}".utf8)) == nil && WeightsOrigin.trainingRecord(Data("x".utf8)) == nil)
        // The run's own pictures say the same.
        #expect(TrainingPictures.curves(run, exactMatch: evaluation.exactMatch).subtitle.contains("trained on \(run.task.name), 2 steps, held-out"))
        let strip = TrainingPictures.filmstrip(run, layer: 0, head: 0, exactMatch: nil)
        #expect(strip.subtitle.contains("not evaluated") && strip.rowTitle == "query (the token that attends)")
    }

    @Test func attentionPicturesHaveAxisTitlesAndPrefixLines() throws {
        let (trace, model, _, _) = try ExportAndFigureTests.trace()
        var maker = AttentionPictures(describing: "nano; random weights, seed 2", of: model)
        maker.prefixes["decoder.self_attn"] = 2
        let pictures = maker.pictures(trace.drawable(scores: false), masks: trace.all, scores: false)
        for picture in pictures {
            let cross = picture.file.contains("cross_attn")
            #expect(picture.figure.subtitle.hasPrefix("nano; random weights, seed 2\n"), "\(picture.file)")
            #expect(picture.figure.rowTitle.hasPrefix("query") && picture.figure.columnTitle.hasPrefix("key"))
            #expect(picture.figure.rowTitle.contains("decoder") == cross && picture.figure.columnTitle.contains("encoder") == cross)
            let lines = picture.figure.dividers.map { "\($0.axis) \($0.index)" }
            #expect(lines == (picture.file.hasPrefix("decoder") && !cross ? ["columns 2", "rows 2"] : []), "\(picture.file)")
        }
        // A prefix as long as the sequence ends nowhere inside it: no line.
        maker.prefixes["decoder.self_attn"] = 3
        let again = maker.pictures(trace.drawable(scores: false), masks: trace.all, scores: false)
        #expect(again.allSatisfy { $0.figure.dividers.isEmpty })
    }

    @Test func theChangePlotMarksTheChangedTokenAndNamesThePositions() throws {
        let model = try TransformerModel.random(.decoderOnly, Preset.nano.config(), seed: 2)
        let probe = try CausalityProbe(model, input: ModelInput(decoder: [5, 60, 61, 62]), changing: .decoder, at: 2, to: 99)
        let plot = LinePlot.causalityChange(probe, labels: ["<bos>", "a", "b", "c"], old: "b", new: "dog", architecture: .decoderOnly,
                                            model: "nano; random weights, seed 2")
        #expect(plot.xLabel == "position (token)")
        #expect(plot.xTicks?.map(\.label) == ["0\n<bos>", "1\na", "2\nb", "3\nc"])
        #expect(plot.markers.map(\.x) == [2] && plot.markers[0].label == "'b' became 'dog'")
        #expect(plot.subtitle.hasPrefix("nano; random weights, seed 2\n"))
    }

    @Test func theKVCachePictureAddsTheRunningTotals() throws {
        let model = try TransformerModel.random(.decoderOnly, Preset.nano.config(), seed: 2)
        let trace = try GenerationTrace(model, input: ModelInput(decoder: [5, 60, 61]), steps: 6, labels: [:], label: { "\($0)" })
        let plots = LinePlot.generationWork(trace, subtitle: "nano")
        #expect(plots.count == 2)
        let (each, total) = (plots[0].series, plots[1].series)
        for (perStep, sum) in zip(each, total) {
            #expect(sum.y.count == perStep.y.count && abs(sum.y.last! - perStep.y.reduce(0, +)) < 1e-9)
        }
        // Recomputing grows quadratically: its total's second differences are positive; the cache's stay small.
        let recomputed = total[1].y, cached = total[0].y
        func second(_ y: [Double]) -> [Double] {
            (2..<y.count).map { (k: Int) -> Double in y[k] - 2 * y[k - 1] + y[k - 2] }
        }
        #expect(second(recomputed).allSatisfy { $0 > 0 })
        #expect(second(cached).map(abs).max()! < second(recomputed).min()!)
        #expect(try LinePlot.render(stacked: plots).height > 900)
    }
}
