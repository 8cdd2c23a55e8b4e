import Foundation
import Training

/// The trained-model cache of `train --cache`: one folder per run's settings in the trained folder
/// (`Output/trained/`, or `$ATTNLAB_TRAINED`), named after every setting that changes the result,
/// so a lesson that trains a model a second time finds it there and does not train again.
///
/// The name is `<task>-<arch>-<preset>-seed<seed>-<steps>`, then `-batch<B>`, `-lr<rate>`,
/// `-length<L>` and `-symbols<K>` for each of these that differs from its default, and `-layers<L>`
/// when `--budget` chose the depth:
/// `reverse-encoder-decoder-tiny-seed0-600`, `copy-decoder-only-nano-seed3-800-batch16`. The
/// folder is reused only when its `training.json` holds exactly these settings (warm-up, weight
/// decay and clipping included, which the name leaves out because they follow from the rest), all
/// of its steps and the held-out scores; a run stopped part-way (Ctrl-C) is carried on from where
/// it stopped, which gives the very model an unbroken run would have.
///
/// Two runs of the same settings at once (lessons run side by side in the tests) take turns: each
/// holds a lock on `.<name>.lock` beside the folder while it looks and trains, so the second waits
/// and then reuses the first one's model. The model itself is saved all or nothing (a scratch
/// folder renamed into place), so a command reading it without the lock — `eval --model
/// trained:<name>` — sees the whole model or none.
enum TrainingCache {
    /// The folder's name for `settings`.
    static func name(_ s: TrainingSettings) -> String {
        let defaults = TrainingSettings(task: s.task, architecture: s.architecture, preset: s.preset, steps: s.steps, seed: s.seed)
        var name = "\(s.task.rawValue)-\(s.architecture.rawValue)-\(s.preset.rawValue)-seed\(s.seed)-\(s.steps)"
        if s.batch != defaults.batch { name += "-batch\(s.batch)" }
        if s.learningRate != defaults.learningRate { name += "-lr" + String(format: "%g", Double(s.learningRate)) }
        if s.length != defaults.length { name += "-length\(s.length)" }
        if s.symbols != defaults.symbols { name += "-symbols\(s.symbols)" }
        if let layers = s.layers { name += "-layers\(layers)" }   // train --budget chose the depth
        return name
    }

    /// The cache folder for `settings`.
    static func folder(_ s: TrainingSettings) -> String {
        (ModelLocation.trainedFolder as NSString).appendingPathComponent(name(s))
    }

    /// What the folder for `settings` holds.
    enum State {
        /// Nothing usable: train from the start (replacing what is there).
        case empty
        /// The same run, stopped part-way or not yet scored: carry on.
        case unfinished
        /// The whole run, with its held-out scores and clearest head, read from its record.
        case complete(Record)
    }

    /// What a complete run's `training.json` says about it: enough to print its summary again.
    struct Record {
        let taskName: String
        let parameters: Int
        let lastLoss: Double
        let exactMatch: Double
        let tokenAccuracy: Double
        let samples: Int
        let head: HeadWeight?
    }

    static func state(of folder: String, for settings: TrainingSettings) -> State {
        let url = URL(fileURLWithPath: folder)
        let needed = ["config.json", "model.safetensors", "tokenizer.json", TrainingRun.recordFile, TrainingRun.stateFile]
        guard needed.allSatisfy({ FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path) }),
              let data = try? Data(contentsOf: url.appendingPathComponent(TrainingRun.recordFile)),
              let record = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let settingsObject = record["settings"] as? [String: Any],
              let saved = try? TrainingSettings(json: settingsObject), saved == settings,
              let done = record["steps_done"] as? Int, done <= settings.steps else { return .empty }
        guard done == settings.steps, let scores = record["held_out"] as? [String: Any],
              let exact = scores["exact_match"] as? Double, let accuracy = scores["token_accuracy"] as? Double,
              let samples = scores["samples"] as? Int,
              let taskName = record["task"] as? String, let parameters = record["parameters"] as? Int,
              let lastLoss = ((record["history"] as? [String: Any])?["loss"] as? [Double])?.last else { return .unfinished }
        var head: HeadWeight?
        if let h = record["clearest_head"] as? [String: Any], let layer = h["layer"] as? Int, let index = h["head"] as? Int,
           let weight = h["weight"] as? Double {
            head = HeadWeight(layer: layer, head: index, weight: weight)
        }
        return .complete(Record(taskName: taskName, parameters: parameters, lastLoss: lastLoss, exactMatch: exact,
                                tokenAccuracy: accuracy, samples: samples, head: head))
    }

    /// Runs `body` holding the lock of `folder` (made with its parent when missing); while another
    /// process or command holds it, says so once and waits.
    static func withLock<T>(_ folder: String, _ body: () throws -> T) throws -> T {
        let url = URL(fileURLWithPath: folder)
        let parent = url.deletingLastPathComponent().path
        do { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
            throw CLIError("cannot create the trained-model folder \(parent): \(error.localizedDescription)")
        }
        let lockPath = (parent as NSString).appendingPathComponent(".\(url.lastPathComponent).lock")
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CLIError("cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }   // closing the descriptor releases the lock
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            Console.note("waiting for another attnlab that is training the same model into \(folder)…")
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else { throw CLIError("cannot lock \(lockPath): \(String(cString: strerror(errno)))") }
            }
        }
        return try body()
    }
}
