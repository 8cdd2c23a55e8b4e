import Foundation
import Testing
@testable import TensorCore

/// The 16-bit conversions are bit arithmetic written for speed; they must give exactly what the
/// standard library's conversions give, for every one of the 65,536 bit patterns, at any alignment,
/// and whether a tensor is converted in one piece, split across cores, or in several pieces.
@Suite struct ScalarConversionTests {
    /// Every 16-bit pattern, four times over (262,144 scalars: enough to be split across cores),
    /// as little-endian bytes after `offset` leading bytes.
    static func allPatterns(offset: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0xEE, count: offset)
        for _ in 0..<4 {
            for pattern in 0...UInt16.max { bytes += [UInt8(pattern & 0xFF), UInt8(pattern >> 8)] }
        }
        return bytes
    }

    static func sameFloat(_ a: Float, _ b: Float) -> Bool {
        a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN && a.sign == b.sign)
    }

    @Test(arguments: [0, 1]) func halfMatchesTheStandardLibraryForEveryPattern(offset: Int) {
        let bytes = Self.allPatterns(offset: offset)
        let floats = bytes.withUnsafeBytes { ScalarEncoding.f16.floats(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
        #expect(floats.count == 4 * 65_536)
        var wrong: [UInt16] = []
        for (index, value) in floats.enumerated() {
            let pattern = UInt16(truncatingIfNeeded: index)
            if !Self.sameFloat(value, Float(Float16(bitPattern: pattern))) { wrong.append(pattern) }
        }
        #expect(wrong.isEmpty, "\(wrong.count) patterns differ, first \(wrong.prefix(5))")
        // A few values by hand: the smallest subnormal, the largest normal, infinity, negative zero.
        #expect(floats[0x0001] == 0x1p-24)
        #expect(floats[0x7BFF] == 65_504)
        #expect(floats[0x7C00] == .infinity && floats[0xFC00] == -.infinity)
        #expect(floats[0x8000].bitPattern == (-0.0 as Float).bitPattern)
        #expect(floats[0x7E00].isNaN)
    }

    @Test(arguments: [0, 1]) func bfloat16IsTheTopHalfOfAFloat(offset: Int) {
        let bytes = Self.allPatterns(offset: offset)
        let floats = bytes.withUnsafeBytes { ScalarEncoding.bf16.floats(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
        let wrong = floats.indices.filter { index in
            floats[index].bitPattern != UInt32(UInt16(truncatingIfNeeded: index)) << 16
        }
        #expect(wrong.isEmpty)
        #expect(floats[0x3F80] == 1 && floats[0xC000] == -2)
    }

    @Test func floatAndDoubleConvertAtAnyAlignment() {
        let values: [Double] = [0, -1.5, 3.25, .infinity, 1e-40, 1e300, .pi]
        var bytes: [UInt8] = [7]
        for value in values { withUnsafeBytes(of: value) { bytes += $0 } }
        let doubles = bytes.withUnsafeBytes { ScalarEncoding.f64.floats(UnsafeRawBufferPointer(rebasing: $0[1...])) }
        #expect(doubles.elementsEqual(values.map(Float.init)) { Self.sameFloat($0, $1) })
        var floatBytes: [UInt8] = [7, 7, 7]
        for value in values { withUnsafeBytes(of: Float(value)) { floatBytes += $0 } }
        let floats = floatBytes.withUnsafeBytes { ScalarEncoding.f32.floats(UnsafeRawBufferPointer(rebasing: $0[3...])) }
        #expect(floats.elementsEqual(values.map(Float.init)) { Self.sameFloat($0, $1) })
    }

    /// A tensor larger than one piece (8 MiB of file) is converted in pieces, each reported as done,
    /// and the result is the same as scalar-by-scalar conversion.
    @Test func largeTensorsAreConvertedInPiecesThatAreReported() {
        let count = 4 * 1_048_576 + 5   // just over one 8 MiB piece of 16-bit scalars
        var bytes = [UInt8](repeating: 0, count: count * 2)
        for index in 0..<count {
            let pattern = UInt16(truncatingIfNeeded: index &* 40_503)
            bytes[2 * index] = UInt8(pattern & 0xFF)
            bytes[2 * index + 1] = UInt8(pattern >> 8)
        }
        var reported: [Int] = []
        let floats = bytes.withUnsafeBytes { ScalarEncoding.f16.floats($0) { reported.append($0) } }
        #expect(reported == [8 << 20, count * 2])
        let wrong = stride(from: 0, to: count, by: 1).first { index in
            !Self.sameFloat(floats[index], Float(Float16(bitPattern: UInt16(truncatingIfNeeded: index &* 40_503))))
        }
        #expect(wrong == nil)
    }

    /// Reading a file maps it and gives its pages back as it goes: what it reads must still be
    /// exactly what decoding the same bytes from memory gives, for every dtype, with the data
    /// section starting at an odd byte.
    @Test func readingAFileGivesWhatDecodingItsBytesGives() throws {
        let header = """
            {"big": {"dtype": "BF16", "shape": [3, 1048577], "data_offsets": [0, 6291462]}, \
            "double": {"dtype": "F64", "shape": [2], "data_offsets": [6291462, 6291478]}, \
            "half": {"dtype": "F16", "shape": [2, 1048576], "data_offsets": [6291478, 10485782]}, \
            "single": {"dtype": "F32", "shape": [3], "data_offsets": [10485782, 10485794]}}
            """
        // An odd header length puts every tensor at an odd address.
        #expect(header.utf8.count % 2 == 1)
        let data = (0..<10_485_794).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
        let file = DecoderFixtures.safetensors(header: header, data: data)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("attnlab-\(UUID().uuidString).safetensors")
        try Data(file).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let read = try SafeTensors.read(url)
        let decoded = try SafeTensors.decode(Data(file))
        #expect(read.keys.sorted() == ["big", "double", "half", "single"])
        for (name, tensor) in decoded {
            let same = read[name].map { $0.shape == tensor.shape && $0.scalars.elementsEqual(tensor.scalars, by: Self.sameFloat) }
            #expect(same == true, "\(name)")
        }
    }

    @Test func aFileThatCannotBeMappedIsAFormatErrorNamingWhy() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("attnlab-\(UUID().uuidString)-none")
        #expect { try SafeTensors.read(missing) } throws: { error in
            "\(error)" == "cannot be opened (No such file or directory)"
        }
        #expect { try SafeTensors.read(FileManager.default.temporaryDirectory) } throws: { error in
            "\(error)" == "is not a regular file"
        }
    }
}
