import Foundation
import TensorCore
@testable import Checkpoints

/// Small model folders built on the fly: safetensors files (good, hand-made or cut short), shard
/// sets with their index, and Hugging Face cache folders whose snapshot files link into `blobs/`.
enum ModelFolderFixtures {
    /// Two small tensors, "a" [2, 3] and "b" [4].
    static let tensors: [String: Tensor] = [
        "a": Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]),
        "b": Tensor(shape: [4], scalars: [-1, 0.5, 0.25, 8]),
    ]

    static var goodFile: Data { SafeTensors.encode(tensors) }

    /// A safetensors file from a header's text and data bytes; the length field is the header's
    /// real length unless given.
    static func safetensors(header: String, data: [UInt8], length: UInt64? = nil) -> Data {
        var file = Data()
        withUnsafeBytes(of: (length ?? UInt64(header.utf8.count)).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: Array(header.utf8))
        file.append(contentsOf: data)
        return file
    }

    /// A one-tensor file "x" over `dataSize` zero bytes, with the entry's fields as given.
    static func safetensors(entry: String, dataSize: Int = 64) -> Data {
        safetensors(header: "{\"x\": {\(entry)}}", data: [UInt8](repeating: 0, count: dataSize))
    }

    static func write(_ data: Data, _ name: String, in folder: URL) throws {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    static func write(_ text: String, _ name: String, in folder: URL) throws {
        try write(Data(text.utf8), name, in: folder)
    }

    /// `folder` holding `model.safetensors` with `data`.
    static func weights(_ data: Data, in folder: URL) throws -> URL {
        try write(data, ModelFolder.weightsFile, in: folder)
        return folder
    }

    /// `tensors` split into shards named model-0000i-of-0000n.safetensors, `groups` giving each
    /// shard's tensor names, and the index; `edit` may change the index's weight_map first.
    @discardableResult
    static func shards(_ tensors: [String: Tensor], groups: [[String]], in folder: URL,
                       edit: (inout [String: Any]) -> Void = { _ in }) throws -> URL {
        var weightMap: [String: Any] = [:]
        for (index, names) in groups.enumerated() {
            let file = String(format: "model-%05d-of-%05d.safetensors", index + 1, groups.count)
            var shard: [String: Tensor] = [:]
            for name in names { shard[name] = tensors[name] }
            try write(SafeTensors.encode(shard), file, in: folder)
            for name in names { weightMap[name] = file }
        }
        var index: [String: Any] = ["metadata": ["total_size": 0], "weight_map": weightMap]
        edit(&index)
        try write(try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys]), ModelFolder.indexFile, in: folder)
        return folder
    }

    /// A Hugging Face cache folder `models--org--tiny` inside `root`: each snapshot holds `files`
    /// as relative links into `blobs/` (named by a hash of their contents, as the cache does), and
    /// `refs/main` names `main` when given. Returns the cache folder.
    static func cache(in root: URL, snapshots: [String], main: String?, files: [String: Data]) throws -> URL {
        let cache = root.appendingPathComponent("models--org--tiny")
        let blobs = cache.appendingPathComponent("blobs")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        for snapshot in snapshots {
            let folder = cache.appendingPathComponent("snapshots/\(snapshot)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (name, data) in files {
                let blob = "blob\(data.count)-\(data.reduce(0) { ($0 &* 31) &+ Int($1) } & 0xFFFFFF)"
                try data.write(to: blobs.appendingPathComponent(blob))
                try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent(name).path,
                                                           withDestinationPath: "../../blobs/\(blob)")
            }
        }
        if let main { try write(main, "refs/main", in: cache) }
        return cache
    }

    static let hash = "0123456789abcdef0123456789abcdef01234567"
    static let otherHash = "fedcba9876543210fedcba9876543210fedcba98"
}
