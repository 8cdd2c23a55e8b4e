import Foundation
import Testing
@testable import TensorCore
@testable import Checkpoints

/// Model folders with something wrong, one row each, and the one line the loading function must
/// give: an error (never a trap) that names the file and says what is wrong with which field or
/// tensor, with nothing left behind (no file written, none left open or mapped).
///
/// To add a row: a name, a closure that builds the input in the empty folder it is given and
/// returns the path to load, the function to call (`Load`; add one for config.json or
/// tokenizer.json), the file the message must name as its subject, and a fragment of the message.
@Suite struct BadModelFileTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let make: @Sendable (URL) throws -> URL
        let load: Load
        let file: String
        let fragment: String
        var testDescription: String { name }
    }

    /// A loading function under test.
    struct Load: Sendable {
        let run: @Sendable (URL) throws -> Void

        /// Resolves the path as the command line does, then reads every tensor.
        static let weights = Load { _ = try ModelFolder.readTensors(try ModelFolder.resolve($0)) }
        /// Reads config.json alone, as the command line does before loading the weights.
        static let config = Load { _ = try Checkpoint.readConfig(from: $0) }
        /// Loads the model, then asks its tokenizer for text (a broken tokenizer.json leaves the
        /// model usable with ids, and refuses text with the reason).
        static let tokenizer = Load {
            let loaded = try Checkpoint.load(from: $0)
            try Checkpoint.tokenizer(loaded, folder: $0).checkEncodable("the bank")
        }
    }

    typealias F = ModelFolderFixtures

    /// The good file cut after `length` bytes.
    static func cut(_ length: Int) -> @Sendable (URL) throws -> URL {
        { try F.weights(F.goodFile.prefix(length), in: $0) }
    }

    static func entry(_ fields: String, dataSize: Int = 64) -> @Sendable (URL) throws -> URL {
        { try F.weights(F.safetensors(entry: fields, dataSize: dataSize), in: $0) }
    }

    static func header(_ text: String, data: [UInt8] = []) -> @Sendable (URL) throws -> URL {
        { try F.weights(F.safetensors(header: text, data: data), in: $0) }
    }

    static let goodHeaderLength = Int(F.goodFile.prefix(8).reversed().reduce(0) { $0 << 8 | UInt64($1) })
    static let st = "model.safetensors", index = "model.safetensors.index.json"
    static let shard1 = "model-00001-of-00002.safetensors", shard2 = "model-00002-of-00002.safetensors"

    static let rows: [Row] = [
        // model.safetensors cut short at several places
        Row(name: "cut inside the length field", make: cut(5), load: .weights, file: st,
            fragment: "safetensors file is 5 bytes, shorter than its 8-byte header length"),
        Row(name: "cut right after the length field", make: cut(8), load: .weights, file: st,
            fragment: "safetensors header length \(goodHeaderLength) exceeds the 0 bytes after it"),
        Row(name: "cut inside the header", make: cut(30), load: .weights, file: st,
            fragment: "safetensors header length \(goodHeaderLength) exceeds the 22 bytes after it"),
        Row(name: "cut at the end of the header", make: cut(8 + goodHeaderLength), load: .weights, file: st,
            fragment: "safetensors entry 'a': data_offsets [0, 24] lie outside the 0-byte data section"),
        Row(name: "cut one byte short", make: cut(F.goodFile.count - 1), load: .weights, file: st,
            fragment: "safetensors entry 'b': data_offsets [24, 40] lie outside the 39-byte data section"),
        // the header
        Row(name: "header length past the end", make: { try F.weights(F.safetensors(header: "{}", data: [], length: 1 << 40), in: $0) },
            load: .weights, file: st, fragment: "safetensors header length 1099511627776 exceeds the 2 bytes after it"),
        Row(name: "header length 0", make: header(""), load: .weights, file: st, fragment: "safetensors header length is 0"),
        Row(name: "header JSON not an object", make: header("[1, 2]"), load: .weights, file: st,
            fragment: "safetensors header is not a JSON object"),
        Row(name: "header not JSON", make: header("{\"x\": {\"dtype\": F32}}"), load: .weights, file: st,
            fragment: "safetensors header is not valid JSON"),
        Row(name: "header not UTF-8", make: { try F.weights(Data([4, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0xFF, 0xFE, 0x7D]), in: $0) },
            load: .weights, file: st, fragment: "safetensors header is not valid UTF-8"),
        // one entry of the header
        Row(name: "unknown dtype", make: entry("\"dtype\": \"Q4_K\", \"shape\": [4], \"data_offsets\": [0, 2]"), load: .weights,
            file: st, fragment: "entry 'x' has dtype Q4_K; attnlab reads F32, F64, F16, BF16"),
        Row(name: "negative dimension", make: entry("\"dtype\": \"F32\", \"shape\": [2, -3], \"data_offsets\": [0, 24]"),
            load: .weights, file: st, fragment: "entry 'x': shape [2, -3] has a negative dimension, -3"),
        Row(name: "fractional dimension", make: entry("\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]"),
            load: .weights, file: st, fragment: "entry 'x' shape[0]: 1.5 is not an integer"),
        Row(name: "dimension given as text", make: entry("\"dtype\": \"F32\", \"shape\": [\"4\"], \"data_offsets\": [0, 16]"),
            load: .weights, file: st, fragment: "entry 'x' shape[0]"),
        Row(name: "data_offsets reversed", make: entry("\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]"),
            load: .weights, file: st, fragment: "entry 'x': data_offsets [8, 4] run backwards"),
        Row(name: "data_offsets out of range", make: entry("\"dtype\": \"F32\", \"shape\": [32], \"data_offsets\": [0, 128]"),
            load: .weights, file: st, fragment: "entry 'x': data_offsets [0, 128] lie outside the 64-byte data section"),
        Row(name: "data_offsets overlapping", make: header("""
            {"p": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}, "q": {"dtype": "F32", "shape": [4], "data_offsets": [12, 28]}}
            """, data: [UInt8](repeating: 0, count: 28)), load: .weights, file: st, fragment: "entries 'p' [0, 16] and 'q' [12, 28] overlap"),
        Row(name: "shape disagrees with the dtype's size", make: entry("\"dtype\": \"BF16\", \"shape\": [2, 3], \"data_offsets\": [0, 24]"),
            load: .weights, file: st, fragment: "entry 'x': shape [2, 3] of BF16 needs 12 bytes, but data_offsets [0, 24] hold 24"),
        Row(name: "tensor named twice", make: header("""
            {"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}
            """, data: [UInt8](repeating: 0, count: 8)), load: .weights, file: st, fragment: "safetensors header names 'w' twice"),
        Row(name: "control characters in a tensor name", make: header("""
            {"evil\\u001b[2J\\nname": {"dtype": "F32", "shape": [3], "data_offsets": [0, 4]}}
            """, data: [0, 0, 0, 0]), load: .weights, file: st, fragment: "entry 'evil\\u{1B}[2J\\nname': shape [3] of F32 needs 12 bytes"),
        // the shard index
        Row(name: "index not JSON", make: { try F.write("{\"weight_map\": ", index, in: $0); return $0 }, load: .weights,
            file: index, fragment: "is not valid JSON"),
        Row(name: "index a list", make: { try F.write("[\"model-1.safetensors\"]", index, in: $0); return $0 }, load: .weights,
            file: index, fragment: "must hold a JSON object of fields"),
        Row(name: "index without weight_map", make: { try F.shards(F.tensors, groups: [["a", "b"]], in: $0) { $0["weight_map"] = nil } },
            load: .weights, file: index, fragment: "field 'weight_map' is missing"),
        Row(name: "index with an empty weight_map", make: { try F.shards(F.tensors, groups: [["a", "b"]], in: $0) { $0["weight_map"] = [:] } },
            load: .weights, file: index, fragment: "field 'weight_map' lists no tensors"),
        Row(name: "index pointing at a missing shard",
            make: { try F.shards(F.tensors, groups: [["a"], ["b"]], in: $0) { $0["weight_map"] = ["a": shard1, "b": "model-lost.safetensors"] } },
            load: .weights, file: "model-lost.safetensors",
            fragment: "is missing; model.safetensors.index.json lists it for 1 tensor, such as 'b'"),
        Row(name: "index pointing outside the folder",
            make: { try F.shards(F.tensors, groups: [["a", "b"]], in: $0) { $0["weight_map"] = ["a": "../model.safetensors", "b": shard1] } },
            load: .weights, file: index,
            fragment: "field 'weight_map' puts tensor 'a' in \"../model.safetensors\", which is not a plain file name"),
        Row(name: "index pointing at an absolute path",
            make: { try F.shards(F.tensors, groups: [["a", "b"]], in: $0) { $0["weight_map"] = ["a": "/etc/passwd", "b": shard1] } },
            load: .weights, file: index, fragment: "puts tensor 'a' in \"/etc/passwd\", which is not a plain file name"),
        Row(name: "a tensor the index names is not in its shard",
            make: { try F.shards(F.tensors, groups: [["a"], ["b"]], in: $0) { $0["weight_map"] = ["a": shard1, "b": shard2, "c": shard2] } },
            load: .weights, file: shard2, fragment: "has no tensor 'c', but model.safetensors.index.json lists it in this shard"),
        Row(name: "a shard holds a tensor the index puts elsewhere",
            make: { try F.shards(F.tensors, groups: [["a", "b"], ["b"]], in: $0) { $0["weight_map"] = ["a": shard1, "b": shard2] } },
            load: .weights, file: shard1, fragment: "holds tensor 'b', but model.safetensors.index.json lists it in \(shard2)"),
        Row(name: "a shard cut short",
            make: { folder in try F.shards(F.tensors, groups: [["a"], ["b"]], in: folder); try F.write(Data([1, 2]), shard2, in: folder); return folder },
            load: .weights, file: shard2, fragment: "safetensors file is 2 bytes, shorter than its 8-byte header length"),
        // folders
        Row(name: "pytorch_model.bin only", make: { try F.write("pickle", "pytorch_model.bin", in: $0); return $0 }, load: .weights,
            file: "pytorch_model.bin", fragment: "attnlab reads safetensors only, because a pickle file can run arbitrary code when it is "
                + "loaded; convert it with transformers: model.save_pretrained(dir, safe_serialization=True)"),
        Row(name: "pytorch .bin shards only", make: { folder in
                try F.write("{}", "pytorch_model.bin.index.json", in: folder)
                try F.write("pickle", "pytorch_model-00001-of-00002.bin", in: folder)
                return folder
            }, load: .weights, file: "pytorch_model-00001-of-00002.bin", fragment: "attnlab reads safetensors only"),
        Row(name: "a .pth file only", make: { try F.write("pickle", "weights.pth", in: $0); return $0 }, load: .weights,
            file: "weights.pth", fragment: "a pickle file can run arbitrary code"),
        Row(name: "an empty folder", make: { $0 }, load: .weights, file: st,
            fragment: "is missing: a model folder holds model.safetensors, or shards listed in model.safetensors.index.json"),
        Row(name: "no such folder", make: { $0.appendingPathComponent("gpt2-typo") }, load: .weights, file: "gpt2-typo",
            fragment: "no such model folder"),
        Row(name: "a file instead of a folder", make: { try F.weights(F.goodFile, in: $0).appendingPathComponent(st) },
            load: .weights, file: st, fragment: "is a file, not a model folder; give the folder that holds it"),
        // Hugging Face cache folders
        Row(name: "the cache's own root folder", make: { root in
                _ = try F.cache(in: root.appendingPathComponent("hub"), snapshots: [F.hash], main: F.hash, files: [st: F.goodFile])
                return root.appendingPathComponent("hub")
            }, load: .weights, file: "hub",
            fragment: "is a Hugging Face cache of 1 model; give one of them, such as "),
        Row(name: "refs/main names a missing snapshot",
            make: { try F.cache(in: $0, snapshots: [F.otherHash], main: F.hash, files: [st: F.goodFile]) }, load: .weights,
            file: "refs/main", fragment: "names commit \(F.hash), but snapshots/\(F.hash) is missing"),
        Row(name: "refs/main holds a path", make: { try F.cache(in: $0, snapshots: [F.hash], main: "../../etc", files: [st: F.goodFile]) },
            load: .weights, file: "refs/main", fragment: "holds \"../../etc\", not a commit hash"),
        Row(name: "no refs/main and two snapshots",
            make: { try F.cache(in: $0, snapshots: [F.hash, F.otherHash], main: nil, files: [st: F.goodFile]) }, load: .weights,
            file: "models--org--tiny", fragment: "has no refs/main and 2 snapshots; give one of them"),
        Row(name: "snapshots folder empty", make: { root in
                let cache = try F.cache(in: root, snapshots: [], main: nil, files: [:])
                try FileManager.default.createDirectory(at: cache.appendingPathComponent("snapshots"), withIntermediateDirectories: true)
                return cache
            }, load: .weights, file: "snapshots", fragment: "is empty and there is no refs/main"),
        Row(name: "a snapshot file links to a missing blob", make: { root in
                let cache = try F.cache(in: root, snapshots: [F.hash], main: F.hash, files: [st: F.goodFile])
                try FileManager.default.removeItem(at: cache.appendingPathComponent("blobs"))
                return cache
            }, load: .weights, file: st, fragment: "is a link to ../../blobs/"),
    ] + configRows + tokenizerRows

    @Test func thereAreAtLeastTwentyFiveRows() {
        #expect(Self.rows.count >= 25)
        #expect(Set(Self.rows.map(\.name)).count == Self.rows.count, "row names are unique")
    }

    @Test(arguments: rows) func aBadModelFolderIsNamedInOneLine(_ row: Row) throws {
        let scratch = try temporaryFolder("bad-model-file-\(row.name)")
        let path = try row.make(scratch)
        let before = try listing(scratch)
        do {
            try row.load.run(path)
            Issue.record("\(row.name): loaded without an error")
        } catch {
            let message = String(describing: error)
            #expect(!message.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F },
                    "\(row.name): one line, no control characters: \(message.debugDescription)")
            #expect(message.contains("/\(row.file): "), "\(row.name): names \(row.file) first: \(message)")
            #expect(message.contains(row.fragment), "\(row.name): \(message)")
        }
        #expect(try listing(scratch) == before, "\(row.name): the folder is unchanged")
        #expect(openOrMapped(under: scratch).isEmpty, "\(row.name): nothing left open or mapped")
    }

    /// The check for what is left behind sees an open file and a mapped one.
    @Test func theLeftBehindCheckSeesOpenAndMappedFiles() throws {
        let scratch = try temporaryFolder()
        let file = try F.weights(F.goodFile, in: scratch).appendingPathComponent("model.safetensors")
        #expect(openOrMapped(under: scratch).isEmpty)
        let handle = try FileHandle(forReadingFrom: file)
        #expect(openOrMapped(under: scratch).count == 1)
        try handle.close()
        let mapped = try MappedFile(file)
        #expect(openOrMapped(under: scratch).count == 1)
        withExtendedLifetime(mapped) {}
    }

    /// Every path under `folder` with its size, links not followed.
    func listing(_ folder: URL) throws -> [String: Int] {
        var out: [String: Int] = [:]
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return out }
        for case let name as String in walker {
            let attributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)
            out[name] = attributes[.size] as? Int ?? -1
        }
        return out
    }

    /// Files under `folder` this process still has open or mapped (Linux; elsewhere, none known).
    func openOrMapped(under folder: URL) -> [String] {
        let prefix = folder.resolvingSymlinksInPath().path
        var found: [String] = []
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in descriptors {
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)"),
               target.hasPrefix(prefix) { found.append(target) }
        }
        // Read to the end: /proc files claim a size of 0, and a one-shot read stops after a page.
        let handle = FileHandle(forReadingAtPath: "/proc/self/maps")
        let maps = String(decoding: (try? handle?.readToEnd()) ?? Data(), as: UTF8.self)
        try? handle?.close()
        found += maps.split(separator: "\n").filter { $0.contains(prefix) }.map(String.init)
        return found
    }
}
