import Foundation

/// The JSON header of a safetensors file, checked for shape (types and keys) but not yet against
/// the data section: `{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}`
/// plus an optional `"__metadata__"` object of strings.
struct SafeTensorsHeader {
    struct Entry {
        let name: String
        let dtype: String
        let shape: [Int]
        let start: Int
        let end: Int
    }

    /// Sorted by name, so a file with several problems always reports the same one.
    let entries: [Entry]
    let metadata: [String: String]

    init(_ bytes: UnsafeRawBufferPointer) throws {
        let text = [UInt8](bytes)
        guard String(decoding: text, as: UTF8.self).utf8.elementsEqual(text) else {
            throw failure("safetensors header is not valid UTF-8")
        }
        // The format requires it; it also keeps JSONDecoder from guessing UTF-16 or UTF-32.
        guard !text.isEmpty else { throw failure("safetensors header length is 0; even a file of no tensors has the header {}") }
        guard text.first == UInt8(ascii: "{") else {
            throw failure("safetensors header is not a JSON object: it does not start with '{'")
        }
        let decoded: Decoded
        do {
            decoded = try JSONDecoder().decode(Decoded.self, from: Data(text))
        } catch let error as DecodingError {
            throw failure(Self.describe(error))
        }
        entries = decoded.entries.sorted { $0.name < $1.name }
        metadata = decoded.metadata
        try Self.checkNamesAreUnique(text, decodedCount: entries.count + (decoded.hasMetadata ? 1 : 0))
    }

    /// JSONDecoder keeps the first of two equal keys and drops the other without a word, so a
    /// header naming a tensor twice would load whichever came first. The header's top-level keys
    /// are counted here straight from the text (it is known to be valid JSON by now); if there are
    /// more than JSONDecoder returned, the keys are decoded to find the name that repeats.
    private static func checkNamesAreUnique(_ text: [UInt8], decodedCount: Int) throws {
        let keys = topLevelKeys(text)
        guard keys.count != decodedCount else { return }
        // The keys' own JSON text, escapes and all, decoded together: "a" and "\u0061" are the same name.
        let list = Data([UInt8(ascii: "[")] + Array(keys.map { Array(text[$0]) }.joined(separator: [UInt8(ascii: ",")]))
                        + [UInt8(ascii: "]")])
        let names = (try? JSONDecoder().decode([String].self, from: list)) ?? []
        var seen = Set<String>()
        let repeated = names.first { !seen.insert($0).inserted } ?? "?"
        throw failure("safetensors header names '\(printable(repeated))' twice")
    }

    /// The byte ranges of the top-level object's keys, quotes included, in valid JSON text: a string
    /// at depth 1 that follows '{' or ','.
    private static func topLevelKeys(_ text: [UInt8]) -> [Range<Int>] {
        var keys: [Range<Int>] = []
        var depth = 0, previous: UInt8 = 0, index = 0
        while index < text.count {
            let byte = text[index]
            switch byte {
            case UInt8(ascii: "\""):
                let start = index
                index += 1
                while index < text.count, text[index] != UInt8(ascii: "\"") {
                    index += text[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                if depth == 1, previous == UInt8(ascii: "{") || previous == UInt8(ascii: ",") {
                    keys.append(start..<min(index + 1, text.count))
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
            if !(byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D) { previous = byte }
            index += 1
        }
        return keys
    }

    /// The header as JSONDecoder reads it: its strict number handling rejects 2.5, true or 1e30
    /// where an integer belongs, and it limits nesting depth, so no JSON can trap it.
    private struct Decoded: Decodable {
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        var hasMetadata = false

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: NameKey.self)
            for key in container.allKeys {
                if key.stringValue == "__metadata__" {
                    metadata = try container.decode([String: String].self, forKey: key)
                    hasMetadata = true
                } else {
                    let fields = try container.decode(Fields.self, forKey: key)
                    guard fields.data_offsets.count == 2 else {
                        throw failure("safetensors entry '\(printable(key.stringValue))': data_offsets has "
                                      + "\(fields.data_offsets.count) numbers, not 2")
                    }
                    entries.append(Entry(name: key.stringValue, dtype: fields.dtype, shape: fields.shape.map(\.value),
                                         start: fields.data_offsets[0].value, end: fields.data_offsets[1].value))
                }
            }
        }
    }

    private struct Fields: Decodable {
        let dtype: String
        let shape: [Integer]
        let data_offsets: [Integer]
    }

    /// An integer field. Linux's JSONDecoder calls 2.5 or 1e30 "not valid JSON" when asked for an
    /// Int, without saying where; reading it again as a Double names the number and its place.
    private struct Integer: Decodable {
        let value: Int

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int.self) {
                self.value = value
            } else if let number = try? container.decode(Double.self) {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(number) is not an integer that fits in Int")
            } else {
                value = try container.decode(Int.self)   // not a number: rethrow the decoder's own type error
            }
        }
    }

    /// Any string is a key: tensor names are free-form.
    private struct NameKey: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    /// One line naming where in the header the problem is: "safetensors entry 'x': shape[1]: …".
    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "safetensors \(place(context.codingPath)) has no '\(printable(key.stringValue))'"
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            return "safetensors header is not a JSON object"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            let detail = context.underlyingError.map { ": " + printable(String(describing: $0), limit: 120) } ?? ""
            return "safetensors header is not valid JSON" + detail
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "safetensors \(place(context.codingPath)): \(printable(context.debugDescription, limit: 120))"
        @unknown default:
            return "safetensors header is malformed: \(printable(String(describing: error), limit: 120))"
        }
    }

    /// "entry 'x.weight'", "entry 'x.weight' shape[1]", or "__metadata__ 'key'".
    private static func place(_ path: [any CodingKey]) -> String {
        guard let first = path.first else { return "header" }
        let name = first.stringValue == "__metadata__" ? "__metadata__" : "entry '\(printable(first.stringValue))'"
        let rest = path.dropFirst().map { key in key.intValue.map { "[\($0)]" } ?? " \(printable(key.stringValue))" }
        return name + rest.joined()
    }
}

private func failure(_ description: String) -> SafeTensors.FormatError {
    SafeTensors.FormatError(description: description)
}
