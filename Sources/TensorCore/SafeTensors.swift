import Foundation

/// The safetensors format Hugging Face checkpoints use: an 8-byte little-endian header length, a
/// JSON header naming each tensor's dtype, shape and byte range, then the raw data.
/// https://huggingface.co/docs/safetensors
///
/// attnlab reads F32, F64, F16 and BF16 (converted to Float32) and writes F32.
public enum SafeTensors {
    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func read(_ url: URL) throws -> [String: Tensor] {
        try decode(Data(contentsOf: url))
    }

    public static func decode(_ data: Data) throws -> [String: Tensor] {
        try decodeWithMetadata(data).tensors
    }

    /// The tensors and the free-form `__metadata__` strings of the header.
    public static func decodeWithMetadata(_ data: Data) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw FormatError(description: "safetensors file is shorter than its header") }
        let headerLength = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        guard headerLength > 0, 8 + headerLength <= bytes.count,
              let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as? [String: Any] else {
            throw FormatError(description: "safetensors header is not a JSON object")
        }
        let payload = bytes[(8 + headerLength)...]
        var tensors: [String: Tensor] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any],
                  let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int],
                  let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw FormatError(description: "safetensors entry '\(name)' is malformed")
            }
            let start = payload.startIndex + offsets[0], end = payload.startIndex + offsets[1]
            guard start <= end, end <= payload.endIndex else {
                throw FormatError(description: "safetensors entry '\(name)' points outside the file")
            }
            let raw = Array(payload[start..<end])
            let count = shape.reduce(1, *)
            let scalars: [Float]
            switch dtype {
            case "F32":
                guard raw.count == count * 4 else { throw sizeError(name) }
                scalars = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            case "F64":
                guard raw.count == count * 8 else { throw sizeError(name) }
                scalars = raw.withUnsafeBytes { $0.bindMemory(to: Double.self).map(Float.init) }
            case "BF16":
                guard raw.count == count * 2 else { throw sizeError(name) }
                scalars = raw.withUnsafeBytes { $0.bindMemory(to: UInt16.self).map { Float(bitPattern: UInt32($0) << 16) } }
            case "F16":
                guard raw.count == count * 2 else { throw sizeError(name) }
                scalars = raw.withUnsafeBytes { $0.bindMemory(to: UInt16.self).map { Float(Float16(bitPattern: $0)) } }
            default:
                throw FormatError(description: "safetensors entry '\(name)' has dtype \(dtype); attnlab reads F32, F64, F16 and BF16")
            }
            tensors[name] = Tensor(shape: shape, scalars: scalars)
        }
        return (tensors, header["__metadata__"] as? [String: String] ?? [:])
    }

    /// Float32 safetensors with the names in sorted order, so the same tensors give the same bytes.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let tensor = tensors[name]!   // ok: the name came from the dictionary's own keys
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + tensor.count * 4]]
            offset += tensor.count * 4
        }
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8)
        // Pad the header with spaces so the data starts 8-byte aligned, as the format recommends.
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for name in names { tensors[name]!.scalars.withUnsafeBytes { data.append(contentsOf: $0) } }  // ok: own keys
        return data
    }

    private static func sizeError(_ name: String) -> FormatError {
        FormatError(description: "safetensors entry '\(name)': data size does not match its shape")
    }
}
