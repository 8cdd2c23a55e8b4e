import Foundation

/// The safetensors format Hugging Face checkpoints use: an 8-byte little-endian header length, a
/// JSON header naming each tensor's dtype, shape and byte range, then the raw data.
/// https://huggingface.co/docs/safetensors
///
/// attnlab reads F32, F64, F16 and BF16, and the integer dtypes I64, I32, I16, I8, U8 and BOOL
/// (all converted to Float32), and writes F32.
public enum SafeTensors {
    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads a file through a memory map: each tensor is converted straight from the mapped pages
    /// into its own Float32 storage, and the pages are given back as soon as they are converted,
    /// so reading holds the Float32 copy and only a few megabytes of the file besides.
    /// (The price of mapping: a file truncated by another process while it is being read can stop
    /// this one with SIGBUS.) A file that cannot be opened throws a `FormatError` too.
    public static func read(_ url: URL, skipping skip: (String) -> Bool = { _ in false }) throws -> [String: Tensor] {
        let file: MappedFile
        do { file = try MappedFile(url) } catch let error as MappedFile.OpenError {
            throw FormatError(description: error.description)
        }
        return try withExtendedLifetime(file) {
            try decode(bytes: file.bytes, skipping: skip, finishedBelow: file.release(upTo:)).tensors
        }
    }

    public static func decode(_ data: Data) throws -> [String: Tensor] {
        try decodeWithMetadata(data).tensors
    }

    /// The tensors and the free-form `__metadata__` strings of the header. Any input that is not a
    /// well-formed file throws a `FormatError` saying what is wrong; none traps.
    public static func decodeWithMetadata(_ data: Data, skipping skip: (String) -> Bool = { _ in false }) throws
        -> (tensors: [String: Tensor], metadata: [String: String]) {
        try data.withUnsafeBytes { try decode(bytes: $0, skipping: skip, finishedBelow: { _ in }) }
    }

    /// Decodes a whole file's bytes, leaving out the tensors `skip` names (their byte ranges are
    /// still checked). `finishedBelow(offset)` is told, as the tensors are made, that no byte
    /// before `offset` will be read again.
    static func decode(bytes: UnsafeRawBufferPointer, skipping skip: (String) -> Bool = { _ in false },
                       finishedBelow: (Int) -> Void) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let headerEnd = try locateHeader(bytes)
        let header = try SafeTensorsHeader(UnsafeRawBufferPointer(rebasing: bytes[8..<headerEnd]))
        let dataSection = UnsafeRawBufferPointer(rebasing: bytes[headerEnd...])
        // Every check passes before any tensor is converted.
        let encodings = try header.entries.map { entry -> ScalarEncoding? in
            if skip(entry.name) {
                try checkRange(entry, dataSize: dataSection.count)
                return nil
            }
            return try check(entry, dataSize: dataSection.count)
        }
        try checkNoOverlap(header.entries)
        // Converted in file order, so the pages behind the last tensor made can be given back.
        var tensors: [String: Tensor] = [:]
        tensors.reserveCapacity(header.entries.count)
        for (entry, encoding) in zip(header.entries, encodings).sorted(by: { $0.0.start < $1.0.start }) {
            guard let encoding else { continue }
            let raw = UnsafeRawBufferPointer(rebasing: dataSection[entry.start..<entry.end])
            let scalars = encoding.floats(raw) { converted in finishedBelow(headerEnd + entry.start + converted) }
            tensors[entry.name] = Tensor(shape: entry.shape, scalars: scalars)
        }
        return (tensors, header.metadata)
    }

    /// The end of the JSON header: 8 plus the little-endian UInt64 length the file starts with,
    /// compared as UInt64 before any Int arithmetic, so a length near UInt64.max cannot overflow.
    private static func locateHeader(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        guard bytes.count >= 8 else {
            throw FormatError(description: "safetensors file is \(bytes.count) bytes, shorter than its 8-byte header length")
        }
        let length = bytes.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let available = bytes.count - 8
        guard length <= UInt64(available) else {
            throw FormatError(description: "safetensors header length \(length) exceeds the \(available) bytes after it")
        }
        return 8 + Int(length)   // fits: length ≤ available
    }

    /// Checks one entry's byte range, dtype, shape and size against each other; returns how its
    /// scalars are encoded.
    private static func check(_ entry: SafeTensorsHeader.Entry, dataSize: Int) throws -> ScalarEncoding {
        let label = "safetensors entry '\(printable(entry.name))'"
        let (start, end) = (entry.start, entry.end)
        try checkRange(entry, dataSize: dataSize)
        let encoding: ScalarEncoding
        switch entry.dtype {
        case "F32": encoding = .f32
        case "F64": encoding = .f64
        case "F16": encoding = .f16
        case "BF16": encoding = .bf16
        case "I64": encoding = .i64
        case "I32": encoding = .i32
        case "I16": encoding = .i16
        case "I8": encoding = .i8
        case "U8": encoding = .u8
        case "BOOL": encoding = .bool
        default:
            throw FormatError(description: "\(label) has dtype \(printable(entry.dtype)); "
                              + "attnlab reads F32, F64, F16, BF16, I64, I32, I16, I8, U8 and BOOL")
        }
        switch ShapeSize(shape: entry.shape, scalarSize: encoding.byteCount) {
        case .negative(let dimension):
            throw FormatError(description: "\(label): shape \(describe(shape: entry.shape)) has a negative dimension, \(dimension)")
        case .overflows:
            throw FormatError(description: "\(label): shape \(describe(shape: entry.shape)) overflows Int when multiplied out")
        case .fits(_, let byteCount) where byteCount != end - start:
            throw FormatError(description: "\(label): shape \(describe(shape: entry.shape)) of \(entry.dtype) needs "
                + "\(byteCount) bytes, but data_offsets [\(start), \(end)] hold \(end - start)")
        case .fits:
            return encoding
        }
    }

    /// An entry's byte range runs forwards and lies inside the data section.
    private static func checkRange(_ entry: SafeTensorsHeader.Entry, dataSize: Int) throws {
        let label = "safetensors entry '\(printable(entry.name))'"
        let (start, end) = (entry.start, entry.end)
        guard start <= end else {
            throw FormatError(description: "\(label): data_offsets [\(start), \(end)] run backwards")
        }
        guard start >= 0, end <= dataSize else {
            throw FormatError(description:
                "\(label): data_offsets [\(start), \(end)] lie outside the \(dataSize)-byte data section")
        }
    }

    /// No byte may belong to two tensors. Bytes that belong to none (gaps between tensors, or after
    /// the last) are accepted and ignored: they cannot make a tensor wrong, and tools have padded
    /// data for alignment. (The reference Rust reader is stricter and wants full coverage.)
    /// Runs after every entry's range has been checked to lie inside the data section.
    private static func checkNoOverlap(_ entries: [SafeTensorsHeader.Entry]) throws {
        // An empty range holds no bytes, so it overlaps nothing.
        let ranges = entries.filter { $0.start < $0.end }.sorted { ($0.start, $0.end, $0.name) < ($1.start, $1.end, $1.name) }
        for (previous, next) in zip(ranges, ranges.dropFirst()) where next.start < previous.end {
            throw FormatError(description: "safetensors entries '\(printable(previous.name))' [\(previous.start), \(previous.end)] "
                + "and '\(printable(next.name))' [\(next.start), \(next.end)] overlap")
        }
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
}
