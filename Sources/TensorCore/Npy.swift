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

    /// Reads what `encode` (or numpy, for '<f4' and '<f8' C-order arrays) writes.
    public static func decode(_ data: Data) throws -> Tensor {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw FormatError(description: "not a .npy file")
        }
        let major = bytes[6]
        let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        let headerStart = major == 1 ? 10 : 12
        guard bytes.count >= headerStart + headerLength,
              let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .ascii) else {
            throw FormatError(description: ".npy header is cut short")
        }
        guard !header.contains("'fortran_order': True") else { throw FormatError(description: "Fortran order is not supported") }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw FormatError(description: ".npy header has no shape")
        }
        let shape = header[open.upperBound..<close].split(separator: ",")
            .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let payload = Array(bytes[(headerStart + headerLength)...])
        let count = shape.reduce(1, *)
        if header.contains("'<f4'") {
            guard payload.count == count * 4 else { throw FormatError(description: ".npy data size does not match its shape") }
            let scalars = payload.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            return Tensor(shape: shape, scalars: scalars)
        } else if header.contains("'<f8'") {
            guard payload.count == count * 8 else { throw FormatError(description: ".npy data size does not match its shape") }
            let doubles = payload.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
            return Tensor(shape: shape, scalars: doubles.map(Float.init))
        }
        throw FormatError(description: "only float32 and float64 .npy files are supported")
    }
}
