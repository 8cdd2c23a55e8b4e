import Foundation
import TensorCore
import Transformer

/// Recordings as numpy files: one `<hook name>.npy` per recording, and `tokens.json` saying what
/// each file holds and which tokens label its rows and columns. A reader in Python needs nothing
/// else: `numpy.load("decoder.0.self_attn.pattern.npy")` plus the labels from `tokens.json`.
public struct NpyExport: Sendable {
    /// Written into tokens.json beside the token streams (architecture, preset, seed, …): JSON values.
    public let model: [String: any Sendable]
    public let recordings: [Recording]
    public let input: ModelInput
    public let labels: [Stack: [String]]

    public init(model: [String: any Sendable], recordings: [Recording], input: ModelInput, labels: [Stack: [String]]) {
        self.model = model
        self.recordings = recordings
        self.input = input
        self.labels = labels
    }

    /// Bytes the export will take, known before anything is written.
    public var estimatedBytes: Int {
        recordings.reduce(0) { $0 + 128 + 4 * $1.tensor.count } + 4096
    }

    /// Writes every file into `folder` as part of `output`; returns the paths.
    public func write(into folder: String, output: OutputSet) throws -> [String] {
        var paths: [String] = []
        var entries: [[String: Any]] = []
        for recording in recordings {
            let file = "\(recording.name).npy"
            let path = (folder as NSString).appendingPathComponent(file)
            try output.write(Npy.encode(recording.tensor), to: path)
            paths.append(path)
            var entry: [String: Any] = ["name": recording.name, "file": file, "shape": recording.tensor.shape,
                                        "rows": recording.context.rows.rawValue]
            if let columns = recording.context.columns { entry["columns"] = columns.rawValue }
            entries.append(entry)
        }
        let path = (folder as NSString).appendingPathComponent("tokens.json")
        try output.write(try tokensJSON(entries), to: path)
        return paths + [path]
    }

    func tokensJSON(_ entries: [[String: Any]]) throws -> Data {
        var streams: [String: Any] = [:]
        for (stack, words) in labels {
            streams[stack.rawValue] = ["labels": words, "ids": input.tokens(stack) ?? []]
        }
        var document: [String: Any] = ["tokens": streams, "recordings": entries]
        for (key, value) in model { document[key] = value }
        let json = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        return json + Data("\n".utf8)
    }
}
