import Checkpoints
import Foundation
import Heatmap
import Reports
import TensorCore
import Training
import Transformer

/// A training run's folder: the checkpoint (config.json, model.safetensors, tokenizer.json), its
/// record and optimiser state, and its two pictures, replaced all at once.
enum TrainingFiles {
    /// Saves `run` into `folder`, replacing what was there in one swap; returns the clearest head.
    @discardableResult
    static func save(_ run: TrainingRun, to folder: String, evaluation: Evaluation?) throws -> HeadWeight? {
        let head = try run.clearestHead()
        var extra: [(name: String, data: Data)] = [
            (TrainingRun.recordFile, try run.recordJSON(evaluation: evaluation, clearestHead: head)),
            (TrainingRun.stateFile, SafeTensors.encode(run.stateTensors())),
        ]
        if !run.history.isEmpty { extra.append(("loss.png", try PNG.encode(TrainingPictures.curves(run, exactMatch: evaluation?.exactMatch).render()))) }
        if let head {
            let figure = TrainingPictures.filmstrip(run, layer: head.layer, head: head.head, exactMatch: evaluation?.exactMatch)
            extra.append(("attention-over-training.png", try PNG.encode(Heatmap.render(figure))))
        }
        try Checkpoint.save(model: run.model, tokenizerJSON: try run.task.tokenizer.json(), extra: extra,
                            to: URL(fileURLWithPath: folder), scratch: { url, made in
            if made { Cleanup.shared.register(url.path, isFolder: true) } else { Cleanup.shared.unregister([url.path]) }
        })
        return head
    }

    /// The run saved in `folder`, ready to carry on (`--resume`).
    static func resume(from folder: String, steps: Int?) throws -> TrainingRun {
        let url = URL(fileURLWithPath: folder)
        let recordURL = url.appendingPathComponent(TrainingRun.recordFile)
        guard FileManager.default.fileExists(atPath: recordURL.path) else {
            throw CLIError("--resume \(folder) is not a training checkpoint: it has no \(TrainingRun.recordFile)")
        }
        let model = try Checkpoint.load(from: url).model
        let stateURL = url.appendingPathComponent(TrainingRun.stateFile)
        guard FileManager.default.fileExists(atPath: stateURL.path) else {
            throw CLIError("--resume \(folder) has no \(TrainingRun.stateFile) (AdamW's moments), so it cannot carry on exactly")
        }
        let state: [String: Tensor]
        do { state = try SafeTensors.read(stateURL) } catch { throw CLIError("\(stateURL.path): \(error)") }
        let record: Data
        do { record = try Data(contentsOf: recordURL) } catch { throw CLIError("cannot read \(recordURL.path)") }
        return try TrainingRun.resume(record: record, state: state, model: model, steps: steps)
    }

    /// The files a training folder holds beside the checkpoint's own.
    static let names: Set<String> = [TrainingRun.recordFile, TrainingRun.stateFile, "loss.png", "attention-over-training.png"]

    /// Before any training: a folder that exists must be empty or one train wrote (a typo must not
    /// wipe other files), and its parent must take a new folder (tried, then removed).
    static func checkReplaceable(_ folder: String) throws {
        let url = URL(fileURLWithPath: folder)
        try Checkpoint.checkReplaceable(url, extra: names)
        let parent = url.deletingLastPathComponent()
        if FileManager.default.fileExists(atPath: parent.path) {
            let probe = parent.appendingPathComponent(".\(url.lastPathComponent).probe-\(getpid())").path
            guard mkdir(probe, 0o755) == 0 else {
                throw CLIError("cannot write into \(parent.path): \(String(cString: strerror(errno)))")
            }
            rmdir(probe)
        }
    }
}

/// Time and throughput of a run, and its progress line: rewritten in place on a terminal, a plain
/// line at every tenth of the run otherwise.
final class TrainingClock {
    private let start = Date()
    private let total: Int
    private let first: Int
    private var tokens = 0
    private var steps = 0
    private let run: TrainingRun

    init(_ run: TrainingRun) {
        self.run = run
        total = run.settings.steps
        first = run.step
    }

    var seconds: Double { Date().timeIntervalSince(start) }
    var stepsPerSecond: Double { Double(steps) / max(seconds, 1e-9) }
    var tokensPerSecond: Double { Double(tokens) / max(seconds, 1e-9) }

    func add(_ record: TrainingRecord) {
        steps += 1
        tokens += run.batch(at: record.step - 1).reduce(0) { $0 + ($1.input.encoder?.count ?? 0) + ($1.input.decoder?.count ?? 0) }
        let remaining = Double(total - record.step) / max(stepsPerSecond, 1e-9)
        let line = String(format: "step %d/%d  loss %.4f  accuracy %.3f  %.0f tokens/s  ETA %d:%02d", record.step, total,
                          record.loss, record.tokenAccuracy, tokensPerSecond, Int(remaining) / 60, Int(remaining) % 60)
        if Console.isTerminal {
            Console.progress(line)
        } else if record.step == total || (record.step - first) % max(1, (total - first) / 10) == 0 {
            Console.note(line)
        }
    }
}
