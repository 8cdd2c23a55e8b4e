import Foundation

/// numpy's .npy format, version 1.0, float32 little-endian in C order — what `numpy.load` reads.
/// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
public enum Npy {
    public static func encode(_ tensor: Tensor) -> Data {
        let shape = tensor.shape.map(String.init).joined(separator: ", ") + (tensor.rank == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape)), }"
        // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of
        // 64 and ended by a newline, so the data that follows is aligned.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        tensor.scalars.withUnsafeBytes { data.append(contentsOf: $0) }   // little-endian hosts only
        return data
    }

    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads what `encode` (or numpy, for '<f4' and '<f8' C-order arrays) writes: format versions
    /// 1.0, 2.0 and 3.0. Any other input throws a `FormatError` saying what is wrong; none traps.
    public static func decode(_ data: Data) throws -> Tensor {
        try data.withUnsafeBytes { try decode(bytes: $0) }
    }

    static func decode(bytes: UnsafeRawBufferPointer) throws -> Tensor {
        let (headerRange, major) = try locateHeader(bytes)
        let header = try NpyHeader(UnsafeRawBufferPointer(rebasing: bytes[headerRange]), utf8: major == 3)
        guard !header.fortranOrder else {
            throw FormatError(description: ".npy array is stored in Fortran order; attnlab reads C order only")
        }
        let encoding: ScalarEncoding
        switch header.descr {
        case "<f4": encoding = .f32
        case "<f8": encoding = .f64
        default:
            throw FormatError(description: ".npy dtype '\(printable(header.descr))' is not supported; attnlab reads '<f4' and '<f8'")
        }
        let shapeText = "(" + header.shape.map(String.init).joined(separator: ", ") + ")"
        let payload = UnsafeRawBufferPointer(rebasing: bytes[headerRange.upperBound...])
        switch ShapeSize(shape: header.shape, scalarSize: encoding.byteCount) {
        case .negative(let dimension):
            throw FormatError(description: ".npy shape \(shapeText) has a negative dimension, \(dimension)")
        case .overflows:
            throw FormatError(description: ".npy shape \(shapeText) overflows Int when its dimensions are multiplied")
        case .fits(_, let byteCount) where byteCount != payload.count:
            throw FormatError(description:
                ".npy shape \(shapeText) of '\(header.descr)' needs \(byteCount) data bytes, the file has \(payload.count)")
        case .fits:
            return Tensor(shape: header.shape, scalars: encoding.floats(payload))
        }
    }

    /// Where the header text lies, checked against the file's length, and the major version.
    ///
    /// Layout: magic "\x93NUMPY", major and minor version bytes, the header length (2 bytes
    /// little-endian in version 1.0, 4 bytes in 2.0 and 3.0), then the header text.
    private static func locateHeader(_ bytes: UnsafeRawBufferPointer) throws -> (Range<Int>, major: UInt8) {
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 8, bytes.prefix(6).elementsEqual(magic) else {
            throw FormatError(description: "not a .npy file: it does not start with \\x93NUMPY and a version")
        }
        let (major, minor) = (bytes[6], bytes[7])
        guard [1, 2, 3].contains(major), minor == 0 else {
            throw FormatError(description: ".npy version \(major).\(minor) is unknown; attnlab reads 1.0, 2.0 and 3.0")
        }
        let lengthSize = major == 1 ? 2 : 4
        let headerStart = 8 + lengthSize
        guard bytes.count >= headerStart else {
            throw FormatError(description: ".npy file of \(bytes.count) bytes ends inside its header length")
        }
        // At most 4 bytes, so the length fits in Int and `headerStart + length` cannot overflow.
        let length = (0..<lengthSize).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        guard length <= bytes.count - headerStart else {
            throw FormatError(description:
                ".npy header length \(length) runs past the end of the file (\(bytes.count - headerStart) bytes follow it)")
        }
        return (headerStart..<(headerStart + length), major)
    }
}
