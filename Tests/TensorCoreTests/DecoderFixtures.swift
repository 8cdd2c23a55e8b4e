import Foundation
@testable import TensorCore

/// Hand-built .npy and safetensors files for the decoder tests: valid ones the mutations start
/// from, and one bad file per problem the decoders must name.
enum DecoderFixtures {
    static func bytes(of floats: [Float]) -> [UInt8] { floats.withUnsafeBytes { Array($0) } }
    static func bytes(of doubles: [Double]) -> [UInt8] { doubles.withUnsafeBytes { Array($0) } }

    /// A .npy file with the header as given (padded with spaces and a newline to 64 bytes, as
    /// numpy does), the header length in 2 bytes for major version 1 and 4 bytes otherwise.
    static func npy(major: UInt8 = 1, minor: UInt8 = 0, header: [UInt8], payload: [UInt8]) -> [UInt8] {
        let lengthSize = major == 1 ? 2 : 4
        let unpadded = 8 + lengthSize + header.count + 1
        let padded = header + [UInt8](repeating: 0x20, count: (64 - unpadded % 64) % 64) + [0x0A]
        let length = (0..<lengthSize).map { UInt8(truncatingIfNeeded: padded.count >> (8 * $0)) }
        return [0x93] + Array("NUMPY".utf8) + [major, minor] + length + padded + payload
    }

    static func npy(major: UInt8 = 1, minor: UInt8 = 0, header: String, payload: [UInt8]) -> [UInt8] {
        npy(major: major, minor: minor, header: Array(header.utf8), payload: payload)
    }

    /// A float32 .npy file with the given dict entries for descr, fortran_order and shape.
    static func npy(descr: String = "'<f4'", fortran: String = "False", shape: String, payload: [UInt8]) -> [UInt8] {
        npy(header: "{'descr': \(descr), 'fortran_order': \(fortran), 'shape': \(shape), }", payload: payload)
    }

    /// A safetensors file: the header length (the real one unless given), the header, the data.
    static func safetensors(header: [UInt8], data: [UInt8], length: UInt64? = nil) -> [UInt8] {
        withUnsafeBytes(of: (length ?? UInt64(header.count)).littleEndian) { Array($0) } + header + data
    }

    static func safetensors(header: String, data: [UInt8], length: UInt64? = nil) -> [UInt8] {
        safetensors(header: Array(header.utf8), data: data, length: length)
    }

    /// A one-entry safetensors file over `dataSize` bytes.
    static func safetensors(entry: String, dataSize: Int = 64) -> [UInt8] {
        safetensors(header: "{\"x.weight\": {\(entry)}}", data: [UInt8](repeating: 0, count: dataSize))
    }

    // MARK: valid files

    static var validNpy: [[UInt8]] {
        [
            [UInt8](Npy.encode(Tensor(shape: [2, 3, 4], scalars: (0..<24).map { Float($0) * 0.25 }))),
            [UInt8](Npy.encode(Tensor(shape: [5], scalars: [1, -2, 3.5, 0, 1e-3]))),
            [UInt8](Npy.encode(Tensor(shape: [], scalars: [42]))),
            [UInt8](Npy.encode(Tensor(zeros: [0, 3]))),
            // Version 2.0 (4-byte header length), float64.
            npy(major: 2, header: "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }",
                payload: bytes(of: [1.5, -2, 3, 4, 5e10, -6] as [Double])),
            // Version 3.0 (UTF-8 header), with Python 2's long integers.
            npy(major: 3, header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 2L), }",
                payload: bytes(of: [1, 2, 3, 4] as [Float])),
        ]
    }

    /// The version 2.0 file above, decoded.
    static let npyVersion2 = Tensor(shape: [3, 2], scalars: [1.5, -2, 3, 4, 5e10, -6])

    /// F16 [1, 2, -2], BF16 [[1, -0.5]], F64 [3.25], and an unused 4-byte gap before the F64 data.
    static let mixedSafetensors: [UInt8] = {
        let f16: [UInt16] = [0x3C00, 0x4000, 0xC000]
        let bf16: [UInt16] = [0x3F80, 0xBF00]
        let data = f16.withUnsafeBytes { Array($0) } + bf16.withUnsafeBytes { Array($0) }
            + [0, 0, 0, 0] + bytes(of: [3.25] as [Double])
        let header = """
            {"__metadata__": {"format": "pt"}, \
            "half": {"dtype": "F16", "shape": [3], "data_offsets": [0, 6]}, \
            "brain": {"dtype": "BF16", "shape": [1, 2], "data_offsets": [6, 10]}, \
            "double": {"dtype": "F64", "shape": [], "data_offsets": [14, 22]}}
            """
        return safetensors(header: header, data: data)
    }()

    static var validSafetensors: [[UInt8]] {
        [
            [UInt8](SafeTensors.encode(["b.weight": Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]),
                                        "a": Tensor(shape: [3], scalars: [5, 6, 7])], metadata: ["format": "pt"])),
            [UInt8](SafeTensors.encode(["empty": Tensor(zeros: [2, 0, 3]), "one": Tensor(shape: [1], scalars: [9])])),
            mixedSafetensors,
            integerSafetensors,
        ]
    }

    /// The integer dtypes, one tensor each, packed with no padding so most start at odd offsets.
    static let integerSafetensors: [UInt8] = {
        let i64: [Int64] = [0, 1, -3, 1 << 40], i32: [Int32] = [-7, 70_000], i16: [Int16] = [-300]
        let data = i64.withUnsafeBytes { Array($0) } + i32.withUnsafeBytes { Array($0) } + i16.withUnsafeBytes { Array($0) }
            + [0xFE, 0xFE, 0, 1, 7]   // I8 [-2], U8 [254], BOOL [false, true, true]
        let header = """
            {"position_ids": {"dtype": "I64", "shape": [1, 4], "data_offsets": [0, 32]}, \
            "i32": {"dtype": "I32", "shape": [2], "data_offsets": [32, 40]}, \
            "i16": {"dtype": "I16", "shape": [1], "data_offsets": [40, 42]}, \
            "i8": {"dtype": "I8", "shape": [1], "data_offsets": [42, 43]}, \
            "u8": {"dtype": "U8", "shape": [1], "data_offsets": [43, 44]}, \
            "mask": {"dtype": "BOOL", "shape": [3], "data_offsets": [44, 47]}}
            """
        return safetensors(header: header, data: data)
    }()
}
