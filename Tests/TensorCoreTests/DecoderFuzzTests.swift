import Foundation
import Testing
@testable import TensorCore

/// The decoders meet files from anywhere. Seeded random damage to valid files must never trap:
/// every outcome is a consistent tensor or a one-line FormatError. Reaching the end of a fuzz
/// test is the proof that nothing trapped.
@Suite struct DecoderFuzzTests {
    static let mutationsPerDecoder = 12_000

    @Test func npyDecoderNeverTrapsOnDamagedFiles() {
        let tally = fuzz(seeds: DecoderFixtures.validNpy, layout: .npy, seed: 1) { data in
            do { return .decoded([try Npy.decode(data)]) } catch let error as Npy.FormatError { return .rejected(error.description) }
        }
        expectBothOutcomes(tally)
    }

    @Test func safetensorsDecoderNeverTrapsOnDamagedFiles() {
        let tally = fuzz(seeds: DecoderFixtures.validSafetensors, layout: .safetensors, seed: 2) { data in
            do {
                return .decoded(Array(try SafeTensors.decode(data).values))
            } catch let error as SafeTensors.FormatError {
                return .rejected(error.description)
            }
        }
        expectBothOutcomes(tally)
    }

    @Test func validSeedsDecodeToWhatWasWritten() throws {
        for file in DecoderFixtures.validNpy { _ = try Npy.decode(Data(file)) }
        #expect(try Npy.decode(Data(DecoderFixtures.validNpy[4])) == DecoderFixtures.npyVersion2)
        #expect(try Npy.decode(Data(DecoderFixtures.validNpy[5])) == Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]))
        let (mixed, metadata) = try SafeTensors.decodeWithMetadata(Data(DecoderFixtures.mixedSafetensors))
        #expect(metadata == ["format": "pt"])
        #expect(mixed["half"] == Tensor(shape: [3], scalars: [1, 2, -2]))
        #expect(mixed["brain"] == Tensor(shape: [1, 2], scalars: [1, -0.5]))
        #expect(mixed["double"] == Tensor(shape: [], scalars: [3.25]))
        let integers = try SafeTensors.decode(Data(DecoderFixtures.integerSafetensors))
        #expect(integers["position_ids"] == Tensor(shape: [1, 4], scalars: [0, 1, -3, 1_099_511_627_776]))
        #expect(integers["i32"] == Tensor(shape: [2], scalars: [-7, 70_000]))
        #expect(integers["i16"] == Tensor(shape: [1], scalars: [-300]))
        #expect(integers["i8"] == Tensor(shape: [1], scalars: [-2]))
        #expect(integers["u8"] == Tensor(shape: [1], scalars: [254]))
        #expect(integers["mask"] == Tensor(shape: [3], scalars: [0, 1, 1]))
    }

    @Test func safetensorsReadMapsTheFile() throws {
        let tensors = ["w": Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("attnlab-\(UUID().uuidString).safetensors")
        try SafeTensors.encode(tensors).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try SafeTensors.read(url) == tensors)
        // An empty file maps to no bytes at all, which is a format error like any other short file.
        try Data().write(to: url)
        #expect(throws: SafeTensors.FormatError.self) { try SafeTensors.read(url) }
    }

    // MARK: the fuzzing loop

    enum Outcome {
        case decoded([Tensor])
        case rejected(String)
    }

    struct Tally {
        var decoded = 0, rejected = 0
        /// Error messages with their numbers and quoted names removed: how many distinct checks fired.
        var kinds: Set<String> = []
    }

    /// Feeds `mutationsPerDecoder` damaged copies of the seeds to `decode`. Every other input is a
    /// slice of a larger Data whose bytes start at an odd address, as a mapped file's may.
    func fuzz(seeds: [[UInt8]], layout: Mutator.Layout, seed: UInt64,
              decode: (Data) throws -> Outcome) -> Tally {
        var mutator = Mutator(rng: SeededGenerator(seed: seed), layout: layout)
        var tally = Tally()
        for i in 0..<Self.mutationsPerDecoder {
            let file = mutator.mutate(seeds[i % seeds.count])
            let data = i % 2 == 0 ? Data(file) : Data([0xA5] + file).dropFirst()
            let outcome: Outcome
            do { outcome = try decode(data) } catch {
                Issue.record("mutation \(i): unexpected error type \(type(of: error)): \(error)")
                continue
            }
            switch outcome {
            case .decoded(let tensors):
                tally.decoded += 1
                for tensor in tensors where scalarCount(tensor.shape) != tensor.count {
                    Issue.record("mutation \(i): \(tensor) holds \(tensor.count) scalars")
                }
            case .rejected(let message):
                tally.rejected += 1
                if message.isEmpty || message.contains(where: \.isNewline) {
                    Issue.record("mutation \(i): error message is not one line: \(message.debugDescription)")
                }
                tally.kinds.insert(kind(of: message))
            }
        }
        return tally
    }

    func expectBothOutcomes(_ tally: Tally) {
        // Many mutations (in the data bytes, or harmless ones in the header) still decode; most are
        // rejected, and for many different reasons, so the mutations reach every check.
        #expect(tally.decoded + tally.rejected == Self.mutationsPerDecoder)
        #expect(tally.decoded > Self.mutationsPerDecoder / 40, "only \(tally.decoded) decoded")
        #expect(tally.rejected > Self.mutationsPerDecoder / 4, "only \(tally.rejected) rejected")
        #expect(tally.kinds.count >= 15, "error kinds seen: \(tally.kinds.sorted())")
        print("\(Self.mutationsPerDecoder) mutations: \(tally.decoded) decoded, \(tally.rejected) rejected, "
              + "\(tally.kinds.count) kinds of error")
    }

    func scalarCount(_ shape: [Int]) -> Int? {
        var product = 1
        for dimension in shape {
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow || dimension < 0 { return nil }
            product = next
        }
        return product
    }

    /// "entry 'x': data_offsets [0, 99] lie outside the 64-byte data section" →
    /// "entry '': data_offsets [#, #] lie outside the #-byte data section".
    func kind(of message: String) -> String {
        var kind: [UInt8] = [], quoted = false
        for byte in message.utf8 {
            if byte == UInt8(ascii: "'") { quoted.toggle(); kind.append(byte); continue }
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            if quoted || (isDigit && kind.last == UInt8(ascii: "#")) { continue }
            kind.append(isDigit ? UInt8(ascii: "#") : byte)
        }
        return String(decoding: kind, as: UTF8.self)
    }
}

/// One hand-made bad file per problem: the error must say what is wrong.
@Suite struct BadFileTests {
    struct BadFile: Sendable, CustomTestStringConvertible {
        let problem: String
        let bytes: [UInt8]
        /// Texts the error message must contain.
        let mentions: [String]
        var testDescription: String { problem }
    }

    typealias F = DecoderFixtures

    static let npy: [BadFile] = [
        BadFile(problem: "no magic", bytes: Array("PK\u{3}\u{4} a zip file".utf8), mentions: ["not a .npy file"]),
        BadFile(problem: "shorter than the magic", bytes: [0x93, 0x4E], mentions: ["not a .npy file"]),
        BadFile(problem: "version 1.1", bytes: F.npy(major: 1, minor: 1, header: "{}", payload: []), mentions: ["version 1.1"]),
        BadFile(problem: "version 4.0", bytes: F.npy(major: 4, header: "{}", payload: []), mentions: ["version 4.0", "1.0, 2.0 and 3.0"]),
        BadFile(problem: "version 0.0", bytes: F.npy(major: 0, header: "{}", payload: []), mentions: ["version 0.0"]),
        BadFile(problem: "ends inside the header length", bytes: [0x93] + Array("NUMPY".utf8) + [2, 0, 1], mentions: ["header length"]),
        BadFile(problem: "header length past the end",
                bytes: Array(F.npy(shape: "(2,)", payload: F.bytes(of: [1, 2] as [Float])).prefix(40)),
                mentions: ["header length 118", "30 bytes follow"]),
        BadFile(problem: "4-byte header length 0xFFFFFFFF",
                bytes: [0x93] + Array("NUMPY".utf8) + [2, 0, 0xFF, 0xFF, 0xFF, 0xFF] + Array("{}".utf8),
                mentions: ["header length 4294967295"]),
        BadFile(problem: "non-ASCII header in version 1.0",
                bytes: F.npy(header: Array("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), '".utf8) + [0xC3, 0xA9, 0x27, 0x3A, 0x31, 0x7D],
                             payload: []), mentions: ["not ASCII"]),
        BadFile(problem: "non-UTF-8 header in version 3.0",
                bytes: F.npy(major: 3, header: Array("{'descr': '<f4".utf8) + [0xFF, 0x27, 0x7D], payload: []), mentions: ["UTF-8"]),
        BadFile(problem: "header that is not a dict", bytes: F.npy(header: "['<f4', False, (2,)]", payload: []), mentions: ["not a dict"]),
        BadFile(problem: "header dict cut short", bytes: F.npy(header: "{'descr': '<f4', 'shape': (2,", payload: []), mentions: ["shape"]),
        BadFile(problem: "integer dtype", bytes: F.npy(descr: "'<i4'", shape: "(1,)", payload: [0, 0, 0, 0]), mentions: ["'<i4'", "'<f4'"]),
        BadFile(problem: "big-endian float", bytes: F.npy(descr: "'>f4'", shape: "(1,)", payload: [0, 0, 0, 0]), mentions: ["'>f4'"]),
        BadFile(problem: "structured dtype", bytes: F.npy(descr: "[('a', '<f4')]", shape: "(1,)", payload: [0, 0, 0, 0]),
                mentions: ["value it cannot read"]),
        BadFile(problem: "Fortran order", bytes: F.npy(fortran: "True", shape: "(2, 2)", payload: F.bytes(of: [1, 2, 3, 4] as [Float])),
                mentions: ["Fortran order"]),
        BadFile(problem: "negative dimension", bytes: F.npy(shape: "(3, -1)", payload: []), mentions: ["negative dimension, -1"]),
        BadFile(problem: "shape product overflows", bytes: F.npy(shape: "(4294967296, 4294967296)", payload: []), mentions: ["overflows"]),
        BadFile(problem: "empty shape that still overflows", bytes: F.npy(shape: "(0, 4294967296, 4294967296)", payload: []), mentions: ["overflows"]),
        BadFile(problem: "dimension beyond Int", bytes: F.npy(shape: "(99999999999999999999,)", payload: []), mentions: ["too large for Int"]),
        BadFile(problem: "shape of non-integers", bytes: F.npy(shape: "(2, 'a')", payload: []), mentions: ["not a tuple of integers"]),
        BadFile(problem: "shape that is a string", bytes: F.npy(shape: "'2, 3'", payload: []), mentions: ["mistyped 'shape'"]),
        BadFile(problem: "data shorter than the shape", bytes: F.npy(shape: "(2, 3)", payload: F.bytes(of: [1, 2, 3, 4, 5] as [Float])),
                mentions: ["needs 24 data bytes", "has 20"]),
        BadFile(problem: "float64 data counted as float32", bytes: F.npy(descr: "'<f8'", shape: "(2,)", payload: F.bytes(of: [1, 2] as [Float])),
                mentions: ["needs 16 data bytes", "has 8"]),
        BadFile(problem: "missing key", bytes: F.npy(header: "{'descr': '<f4', 'shape': (1,), }", payload: [0, 0, 0, 0]),
                mentions: ["lacks 'fortran_order'"]),
        BadFile(problem: "unknown key", bytes: F.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': ()}", payload: []),
                mentions: ["unexpected key 'x'"]),
    ]

    static let safetensors: [BadFile] = [
        BadFile(problem: "shorter than the length field", bytes: [1, 2, 3], mentions: ["3 bytes", "8-byte header length"]),
        BadFile(problem: "header length UInt64.max", bytes: F.safetensors(header: "{}", data: [], length: .max),
                mentions: ["header length 18446744073709551615 exceeds the 2 bytes"]),
        BadFile(problem: "header length 2^63", bytes: F.safetensors(header: "{}", data: [], length: 1 << 63),
                mentions: ["header length 9223372036854775808"]),
        BadFile(problem: "header length past the end", bytes: F.safetensors(header: "{}", data: [], length: 3),
                mentions: ["header length 3 exceeds the 2 bytes"]),
        BadFile(problem: "empty header", bytes: F.safetensors(header: "", data: []), mentions: ["header length is 0"]),
        BadFile(problem: "header a JSON list", bytes: F.safetensors(header: "[1, 2]", data: []),
                mentions: ["header is not a JSON object: it does not start with '{'"]),
        BadFile(problem: "non-UTF-8 header", bytes: F.safetensors(header: Array("{\"".utf8) + [0xC0, 0x80] + Array("\": 1}".utf8), data: []),
                mentions: ["not valid UTF-8"]),
        BadFile(problem: "header not JSON", bytes: F.safetensors(header: "{dtype: F32}", data: []), mentions: ["not valid JSON"]),
        BadFile(problem: "header a JSON array", bytes: F.safetensors(header: "{}[]", data: []), mentions: ["JSON"]),
        BadFile(problem: "deeply nested JSON",
                bytes: F.safetensors(header: "{\"a\":" + String(repeating: "[", count: 100_000), data: []), mentions: ["JSON"]),
        BadFile(problem: "offsets outside the data",
                bytes: F.safetensors(entry: "\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 99]"),
                mentions: ["safetensors entry 'x.weight': data_offsets [0, 99] lie outside the 64-byte data section"]),
        BadFile(problem: "negative offset", bytes: F.safetensors(entry: "\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]"),
                mentions: ["[-4, 0] lie outside"]),
        BadFile(problem: "offsets backwards", bytes: F.safetensors(entry: "\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]"),
                mentions: ["data_offsets [8, 4] run backwards"]),
        BadFile(problem: "overlapping tensors", bytes: F.safetensors(header: """
            {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}, \
            "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}
            """, data: [UInt8](repeating: 0, count: 16)), mentions: ["'a' [0, 16] and 'b' [8, 16] overlap"]),
        BadFile(problem: "size mismatch", bytes: F.safetensors(entry: "\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 20]"),
                mentions: ["shape [2, 3] of F32 needs 24 bytes", "hold 20"]),
        BadFile(problem: "dtype mismatch", bytes: F.safetensors(entry: "\"dtype\": \"F64\", \"shape\": [4], \"data_offsets\": [0, 16]"),
                mentions: ["F64 needs 32 bytes"]),
        BadFile(problem: "unknown dtype", bytes: F.safetensors(entry: "\"dtype\": \"F8_E4M3\", \"shape\": [4], \"data_offsets\": [0, 4]"),
                mentions: ["dtype F8_E4M3; attnlab reads F32, F64, F16, BF16, I64, I32, I16, I8, U8 and BOOL"]),
        BadFile(problem: "negative dimension", bytes: F.safetensors(entry: "\"dtype\": \"F32\", \"shape\": [-2, -3], \"data_offsets\": [0, 24]"),
                mentions: ["negative dimension, -2"]),
        BadFile(problem: "shape product overflows", bytes: F.safetensors(
                    entry: "\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296], \"data_offsets\": [0, 0]"),
                mentions: ["overflows"]),
        BadFile(problem: "byte count overflows", bytes: F.safetensors(
                    entry: "\"dtype\": \"F64\", \"shape\": [4611686018427387904], \"data_offsets\": [0, 0]"),
                mentions: ["overflows"]),
        BadFile(problem: "fractional dimension", bytes: F.safetensors(entry: "\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 8]"),
                mentions: ["entry 'x.weight' shape[0]: 2.5 is not an integer"]),
        BadFile(problem: "offset beyond Int", bytes: F.safetensors(entry: "\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 1e30]"),
                mentions: ["entry 'x.weight' data_offsets[1]: 1e+30 is not an integer"]),
        BadFile(problem: "string dimension", bytes: F.safetensors(entry: "\"dtype\": \"F32\", \"shape\": [\"2\"], \"data_offsets\": [0, 8]"),
                mentions: ["entry 'x.weight' shape[0]"]),
        BadFile(problem: "boolean offset", bytes: F.safetensors(entry: "\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [false, 4]"),
                mentions: ["entry 'x.weight' data_offsets[0]"]),
        BadFile(problem: "three offsets", bytes: F.safetensors(entry: "\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4, 8]"),
                mentions: ["data_offsets has 3 numbers, not 2"]),
        BadFile(problem: "missing dtype", bytes: F.safetensors(entry: "\"shape\": [1], \"data_offsets\": [0, 4]"),
                mentions: ["entry 'x.weight' has no 'dtype'"]),
        BadFile(problem: "entry not an object", bytes: F.safetensors(header: "{\"x\": [1, 2]}", data: []), mentions: ["entry 'x'"]),
        BadFile(problem: "metadata not strings", bytes: F.safetensors(header: "{\"__metadata__\": {\"step\": 3}}", data: []),
                mentions: ["__metadata__ step"]),
        BadFile(problem: "control characters in a name", bytes: F.safetensors(header: """
            {"a\\nb": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}
            """, data: [0, 0, 0, 0]), mentions: ["'a\\nb'"]),
        BadFile(problem: "a name given twice", bytes: F.safetensors(header: """
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, \
            "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}
            """, data: [UInt8](repeating: 0, count: 8)), mentions: ["safetensors header names 'a' twice"]),
        BadFile(problem: "a name given twice, once escaped", bytes: F.safetensors(header: """
            {"__metadata__": {"x": "{\\"a\\": 1}"}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, \
            "\\u0061": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}
            """, data: [UInt8](repeating: 0, count: 8)), mentions: ["safetensors header names 'a' twice"]),
        BadFile(problem: "metadata given twice", bytes: F.safetensors(header: """
            {"__metadata__": {}, "__metadata__": {"format": "pt"}}
            """, data: []), mentions: ["names '__metadata__' twice"]),
    ]

    @Test(arguments: npy) func badNpyFileSaysWhatIsWrong(_ file: BadFile) {
        check(file, as: Npy.FormatError.self) { try Npy.decode($0) }
    }

    @Test(arguments: safetensors) func badSafetensorsFileSaysWhatIsWrong(_ file: BadFile) {
        check(file, as: SafeTensors.FormatError.self) { try SafeTensors.decode($0) }
    }

    @Test func gapsInTheDataAndEmptyTensorsAreAccepted() throws {
        // Unreferenced bytes are allowed (see SafeTensors.checkNoOverlap); an empty tensor's range
        // holds no bytes, so it may sit inside another's.
        let file = F.safetensors(header: """
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}, \
            "e": {"dtype": "F32", "shape": [0, 7], "data_offsets": [6, 6]}}
            """, data: F.bytes(of: [9, 1.5, 9] as [Float]))
        let tensors = try SafeTensors.decode(Data(file))
        #expect(tensors == ["a": Tensor(shape: [1], scalars: [1.5]), "e": Tensor(zeros: [0, 7])])
    }

    func check<E: Error & CustomStringConvertible, R>(_ file: BadFile, as _: E.Type, decode: (Data) throws -> R) {
        do {
            _ = try decode(Data(file.bytes))
            Issue.record("\(file.problem): decoded without an error")
        } catch let error as E {
            let message = error.description
            let oneLine = !message.isEmpty && !message.contains(where: \.isNewline)
            #expect(oneLine, "\(file.problem): \(message.debugDescription)")
            for text in file.mentions {
                #expect(message.contains(text), "\(file.problem): \(message)")
            }
        } catch {
            Issue.record("\(file.problem): unexpected \(type(of: error)): \(error)")
        }
    }
}
