import Foundation
import TensorCore

/// `model.safetensors.index.json`: which shard file holds each tensor of a model too large for
/// one file, as Hugging Face writes it:
///
///     {"metadata": {"total_size": 497759232},
///      "weight_map": {"h.0.attn.c_attn.weight": "model-00001-of-00002.safetensors", ...}}
///
/// Checked before any shard is read: every shard is a plain file name inside the folder (never
/// `..` or an absolute path, so an index cannot make attnlab read files elsewhere) and exists.
struct ShardIndex {
    struct Shard {
        /// The file name, as the index gives it.
        let file: String
        let url: URL
        /// The tensors the index puts in this shard, sorted.
        let names: [String]
    }

    let folder: URL
    /// Sorted by file name, so loading reads them in a fixed order.
    let shards: [Shard]
    /// Tensor name → shard file name.
    let weightMap: [String: String]

    init(folder: URL) throws {
        self.folder = folder
        let file = ModelFolder.indexFile
        let json = try JSONFile.read(file, in: folder, missing: "is missing")
        guard json.has("weight_map") else {
            throw json.problem("weight_map", "is missing; it should map each tensor name to the shard file that holds it")
        }
        guard let map = json.object["weight_map"] as? [String: Any] else {
            throw json.problem("weight_map", "must be an object mapping each tensor name to its shard file")
        }
        guard !map.isEmpty else { throw json.problem("weight_map", "lists no tensors") }
        var weightMap: [String: String] = [:]
        for name in map.keys.sorted() {
            guard let shard = map[name] as? String else {
                throw json.problem("weight_map", "gives tensor '\(printable(name))' a shard that is not a file name")
            }
            guard ModelFolder.isPlainFileName(shard) else {
                throw json.problem("weight_map", "puts tensor '\(printable(name))' in \"\(printable(shard))\", "
                                   + "which is not a plain file name inside the model folder")
            }
            weightMap[name] = shard
        }
        self.weightMap = weightMap
        var namesByShard: [String: [String]] = [:]
        for (name, shard) in weightMap { namesByShard[shard, default: []].append(name) }
        shards = namesByShard.keys.sorted().map { file in
            Shard(file: file, url: folder.appendingPathComponent(file), names: (namesByShard[file] ?? []).sorted())
        }
        for shard in shards where ModelFolder.kind(of: shard.url) != .file {
            try ModelFolder.checkForBrokenLink(folder, shard.file)
            let example = shard.names.first.map { ", such as '\(printable($0))'" } ?? ""
            let what = ModelFolder.kind(of: shard.url) == .folder ? "is a folder, not a file" : "is missing"
            throw CheckpointError(folder, shard.file, "\(what); \(file) lists it for \(shard.names.count) "
                                  + "tensor\(shard.names.count == 1 ? "" : "s")\(example)")
        }
    }

    /// The tensors found in `shard` must be exactly the ones the index puts there: a tensor the
    /// index names but the shard lacks, or one the shard holds that the index puts elsewhere (or
    /// nowhere), means the index and the shards come from different saves.
    func check(_ shard: Shard, holds found: some Collection<String>) throws {
        let present = Set(found)
        if let missing = shard.names.first(where: { !present.contains($0) }) {
            throw CheckpointError(folder, shard.file, "has no tensor '\(printable(missing))', "
                                  + "but \(ModelFolder.indexFile) lists it in this shard")
        }
        guard present.count != shard.names.count else { return }   // same size and a superset: equal
        let listed = Set(shard.names)
        if let extra = present.sorted().first(where: { !listed.contains($0) }) {
            let elsewhere = weightMap[extra].map { "lists it in \(printable($0))" } ?? "does not list it"
            throw CheckpointError(folder, shard.file, "holds tensor '\(printable(extra))', but \(ModelFolder.indexFile) \(elsewhere)")
        }
    }
}
