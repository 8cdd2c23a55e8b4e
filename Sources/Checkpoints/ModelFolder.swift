import Foundation
import TensorCore

/// A model as it sits on disk after a download: a folder of files, possibly inside Hugging Face's
/// cache, with its weights in one `model.safetensors` or in shards listed by
/// `model.safetensors.index.json`.
///
/// Two steps, each throwing a `CheckpointError` whose one line names the file and what is wrong:
///
///     let folder = try ModelFolder.resolve(URL(fileURLWithPath: path))   // cache folder → snapshot
///     let tensors = try ModelFolder.readTensors(folder)                 // every tensor, as Float32
public enum ModelFolder {
    public static let weightsFile = "model.safetensors"
    public static let indexFile = "model.safetensors.index.json"

    // MARK: finding the folder

    /// The folder that holds the model's files, given the path a user typed: a model folder (or a
    /// snapshot folder of the cache, which is one) is returned as it is; a cache folder
    /// `models--ORG--NAME` gives the snapshot its `refs/main` names, or its only snapshot.
    public static func resolve(_ path: URL) throws -> URL {
        let path = path.standardizedFileURL
        switch kind(of: path) {
        case .missing:
            throw CheckpointError(path: path.path, problem: "no such model folder")
        case .file:
            let hint = path.lastPathComponent.hasSuffix(".safetensors") || path.lastPathComponent.hasSuffix(".json")
                ? "give the folder that holds it, \(path.deletingLastPathComponent().path)"
                : "a model folder holds \(weightsFile) (or its shards) and config.json"
            throw CheckpointError(path: path.path, problem: "is a file, not a model folder; \(hint)")
        case .folder:
            let snapshots = path.appendingPathComponent("snapshots")
            guard kind(of: snapshots) == .folder else {
                try checkNotACacheRoot(path)
                return path
            }
            return try snapshot(of: path, in: snapshots)
        }
    }

    /// The cache's own root (`~/.cache/huggingface/hub`) holds one `models--ORG--NAME` folder per
    /// model: say so, rather than that model.safetensors is missing.
    private static func checkNotACacheRoot(_ folder: URL) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let models = names.filter { $0.hasPrefix("models--") }.sorted()
        guard let first = models.first, !names.contains(weightsFile), !names.contains(indexFile) else { return }
        throw CheckpointError(path: folder.path, problem: "is a Hugging Face cache of \(models.count) "
                              + "model\(models.count == 1 ? "" : "s"); give one of them, such as \(folder.appendingPathComponent(first).path)")
    }

    /// The snapshot of a Hugging Face cache folder (`refs/main` holds a commit hash; the files are
    /// in `snapshots/<hash>/`, as links into `blobs/`).
    private static func snapshot(of cache: URL, in snapshots: URL) throws -> URL {
        let ref = cache.appendingPathComponent("refs/main")
        if kind(of: ref) == .file {
            let text: String
            guard isRegularFile(ref) else { throw CheckpointError(path: ref.path, problem: "is not a regular file; it should hold a commit hash") }
            do { text = try String(contentsOf: ref, encoding: .utf8) } catch {
                throw CheckpointError(path: ref.path, problem: "cannot be read as text; it should hold a commit hash")
            }
            let hash = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard isPlainFileName(hash) else {
                throw CheckpointError(path: ref.path, problem: "holds \"\(printable(hash))\", not a commit hash")
            }
            let folder = snapshots.appendingPathComponent(hash)
            guard kind(of: folder) == .folder else {
                throw CheckpointError(path: ref.path, problem: "names commit \(hash), but snapshots/\(hash) is missing; "
                                      + "download the model again, or give a snapshot folder: \(listSnapshots(snapshots))")
            }
            return folder
        }
        let names = snapshotNames(snapshots)
        switch names.count {
        case 0:
            throw CheckpointError(path: snapshots.path, problem: "is empty and there is no refs/main: the download is incomplete")
        case 1:
            return snapshots.appendingPathComponent(names[0])
        default:
            throw CheckpointError(path: cache.path, problem: "has no refs/main and \(names.count) snapshots; "
                                  + "give one of them: \(listSnapshots(snapshots))")
        }
    }

    private static func snapshotNames(_ snapshots: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: snapshots.path)) ?? []
        return names.filter { kind(of: snapshots.appendingPathComponent($0)) == .folder }.sorted()
    }

    /// "snapshots/a1b2…, snapshots/c3d4…" or "there are none", for messages.
    private static func listSnapshots(_ snapshots: URL) -> String {
        let names = snapshotNames(snapshots)
        guard !names.isEmpty else { return "there are none" }
        let shown = names.prefix(4).map { snapshots.appendingPathComponent($0).path }
        return shown.joined(separator: ", ") + (names.count > 4 ? " and \(names.count - 4) more" : "")
    }

    // MARK: reading the weights

    /// Every tensor of the model folder, converted to Float32: `model.safetensors`, or else the
    /// shards `model.safetensors.index.json` lists (each shard read once). Each file is memory-mapped
    /// and each tensor converted straight from the mapping into its own storage, so loading makes
    /// one Float32 copy of the weights and no other. Tensors `skip` names (buffers a model has no
    /// use for, such as GPT-2's causal-mask booleans) are left out.
    public static func readTensors(_ folder: URL, skipping skip: (String) -> Bool = { _ in false }) throws -> [String: Tensor] {
        try readTensors(plan(folder), skipping: skip)
    }

    /// Which files hold the weights, checked before any is read.
    enum WeightFiles {
        case single(URL)
        case shards(ShardIndex)

        var urls: [URL] {
            switch self {
            case .single(let url): [url]
            case .shards(let index): index.shards.map(\.url)
            }
        }
    }

    static func plan(_ folder: URL) throws -> WeightFiles {
        switch kind(of: folder) {
        case .missing: throw CheckpointError(path: folder.path, problem: "no such model folder")
        case .file: throw CheckpointError(path: folder.path, problem: "is a file, not a model folder")
        case .folder: break
        }
        let single = folder.appendingPathComponent(weightsFile)
        if FileManager.default.fileExists(atPath: single.path) { return .single(single) }
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent(indexFile).path) {
            return .shards(try ShardIndex(folder: folder))
        }
        try checkForBrokenLink(folder, weightsFile)
        try checkForBrokenLink(folder, indexFile)
        if let pickle = pickleFile(in: folder) {
            throw CheckpointError(folder, pickle, "attnlab reads safetensors only, because a pickle file can run arbitrary "
                                  + "code when it is loaded; convert it with transformers: "
                                  + "model.save_pretrained(dir, safe_serialization=True)")
        }
        throw CheckpointError(folder, weightsFile, "is missing: a model folder holds \(weightsFile), "
                              + "or shards listed in \(indexFile)")
    }

    static func readTensors(_ files: WeightFiles, skipping skip: (String) -> Bool = { _ in false }) throws -> [String: Tensor] {
        switch files {
        case .single(let url):
            return try readSafetensors(url, skipping: skip)
        case .shards(let index):
            var tensors: [String: Tensor] = [:]
            for shard in index.shards {
                let found = try readSafetensors(shard.url)
                try index.check(shard, holds: found.keys)
                // The check above made the names disjoint.
                tensors.merge(found.filter { !skip($0.key) }) { first, _ in first }
            }
            return tensors
        }
    }

    /// One safetensors file; its format errors name it.
    private static func readSafetensors(_ url: URL, skipping skip: (String) -> Bool = { _ in false }) throws -> [String: Tensor] {
        do { return try SafeTensors.read(url, skipping: skip) } catch let error as SafeTensors.FormatError {
            throw CheckpointError(path: url.path, problem: error.description)
        } catch {
            throw CheckpointError(path: url.path, problem: "cannot be read (\(error.localizedDescription))")
        }
    }

    /// A weights file that is a link to a missing file: in the cache, a blob that was never
    /// downloaded, or was removed.
    static func checkForBrokenLink(_ folder: URL, _ file: String) throws {
        let url = folder.appendingPathComponent(file)
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: url.path),
              !FileManager.default.fileExists(atPath: url.path) else { return }
        throw CheckpointError(folder, file, "is a link to \(printable(target)), which is missing: download the model again")
    }

    /// PyTorch's own formats are Python pickles: `pytorch_model.bin`, its shards, `.pth` and `.pt`.
    private static func pickleFile(in folder: URL) -> String? {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        if names.contains("pytorch_model.bin") { return "pytorch_model.bin" }
        return names.first { name in [".bin", ".pth", ".pt"].contains { name.hasSuffix($0) } }
    }

    // MARK: small helpers

    enum Kind { case missing, file, folder }

    /// What is at `url`, following links.
    /// Whether `url` is (or links to) a regular file: a FIFO or a device would block a read, or never end.
    static func isRegularFile(_ url: URL) -> Bool {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path)
        return attributes?[.type] as? FileAttributeType == .typeRegular
    }

    static func kind(of url: URL) -> Kind {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else { return .missing }
        return isFolder.boolValue ? .folder : .file
    }

    /// A name that stays inside its folder: not empty, not `.` or `..`, no slash, no control character.
    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\\")
            && !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }
}
