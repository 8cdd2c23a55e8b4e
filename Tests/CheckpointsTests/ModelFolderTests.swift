import Foundation
import Testing
import TensorCore
import Transformer
@testable import Checkpoints

/// Model folders that are fine: plain, sharded, and inside Hugging Face's cache.
@Suite struct ModelFolderTests {
    typealias F = ModelFolderFixtures

    @Test func aPlainFolderIsItsOwnModelFolder() throws {
        let folder = try F.weights(F.goodFile, in: try temporaryFolder())
        #expect(try ModelFolder.resolve(folder) == folder.standardizedFileURL)
        #expect(try ModelFolder.readTensors(folder) == F.tensors)
    }

    @Test func aCacheFolderGivesTheSnapshotRefsMainNames() throws {
        let root = try temporaryFolder()
        // Two snapshots with different weights: refs/main picks the second.
        let cache = try F.cache(in: root, snapshots: [F.otherHash], main: nil,
                                files: ["model.safetensors": SafeTensors.encode(["old": Tensor(zeros: [1])])])
        _ = try F.cache(in: root, snapshots: [F.hash], main: F.hash + "\n", files: ["model.safetensors": F.goodFile])
        let folder = try ModelFolder.resolve(cache)
        #expect(folder == cache.appendingPathComponent("snapshots/\(F.hash)").standardizedFileURL)
        #expect(try ModelFolder.readTensors(folder) == F.tensors)
        // The snapshot's file is a link into blobs/, which the reader followed.
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: folder.appendingPathComponent("model.safetensors").path)
        #expect(link.hasPrefix("../../blobs/"))
    }

    @Test func aCacheFolderWithoutRefsMainAndOneSnapshotUsesIt() throws {
        let cache = try F.cache(in: try temporaryFolder(), snapshots: [F.hash], main: nil, files: ["model.safetensors": F.goodFile])
        #expect(try ModelFolder.resolve(cache) == cache.appendingPathComponent("snapshots/\(F.hash)").standardizedFileURL)
    }

    @Test func aSnapshotFolderIsAcceptedAsItIs() throws {
        let cache = try F.cache(in: try temporaryFolder(), snapshots: [F.hash], main: F.hash, files: ["model.safetensors": F.goodFile])
        let snapshot = cache.appendingPathComponent("snapshots/\(F.hash)")
        #expect(try ModelFolder.resolve(snapshot) == snapshot.standardizedFileURL)
        #expect(try ModelFolder.readTensors(snapshot) == F.tensors)
    }

    /// A real checkpoint's tensors split over three shards (and linked from a cache snapshot) read
    /// back exactly as the single file does.
    @Test func shardsReadBackAsTheSingleFileDoes() throws {
        let root = try temporaryFolder()
        let saved = root.appendingPathComponent("single")
        try Checkpoint.save(model: try fullyRandomModel(.decoderOnly, fixtureConfig, seed: 3), tokenizerJSON: nil, to: saved)
        let single = try ModelFolder.readTensors(saved)
        let names = single.keys.sorted()
        #expect(names.count > 10)
        let thirds = [Array(names[..<5]), Array(names[5..<(names.count - 3)]), Array(names[(names.count - 3)...])]
        let sharded = try F.shards(single, groups: thirds, in: root.appendingPathComponent("sharded"))
        #expect(try ModelFolder.readTensors(sharded) == single)

        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: sharded.path) {
            files[name] = try Data(contentsOf: sharded.appendingPathComponent(name))
        }
        let cache = try F.cache(in: root, snapshots: [F.hash], main: F.hash, files: files)
        #expect(try ModelFolder.readTensors(try ModelFolder.resolve(cache)) == single)
    }

    @Test func aSingleFileIsPreferredToShards() throws {
        let folder = try F.shards(["c": Tensor(zeros: [2])], groups: [["c"]], in: try temporaryFolder())
        try F.write(F.goodFile, "model.safetensors", in: folder)
        #expect(try ModelFolder.readTensors(folder) == F.tensors)
    }

    @Test func measuringALoadCountsTheTensorsAndTheFiles() throws {
        let folder = try F.shards(F.tensors, groups: [["a"], ["b"]], in: try temporaryFolder())
        let measured = try ModelFolder.measureLoad(folder)
        let shardBytes = try ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"].reduce(0) { total, name in
            total + (try Data(contentsOf: folder.appendingPathComponent(name))).count
        }
        #expect(measured.tensorCount == 2)
        #expect(measured.tensorBytes == 10 * 4)
        #expect(measured.fileBytes == shardBytes)
        #expect(measured.seconds >= 0 && measured.seconds < 10)
        #expect(measured.peakResidentBytes > 0 && measured.peakResidentBytes >= measured.peakGrowthBytes)
        #expect(!measured.description.contains("\n") && measured.description.hasPrefix("2 tensors in "))
        #expect(throws: CheckpointError.self) { try ModelFolder.measureLoad(folder.appendingPathComponent("none")) }
        // In a cache the snapshot's files are links: their targets are measured.
        let cache = try F.cache(in: folder, snapshots: [F.hash], main: F.hash, files: ["model.safetensors": F.goodFile])
        #expect(try ModelFolder.measureLoad(cache).fileBytes == F.goodFile.count)
    }
}
