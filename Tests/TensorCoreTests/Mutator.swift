import Foundation
@testable import TensorCore

/// Seeded random damage to a decoder's input, aimed both at the raw bytes and at the places a
/// decoder parses: the header length field and the header text.
struct Mutator {
    /// Where a format keeps its header length and header text, and which dtype strings to swap.
    struct Layout: Sendable {
        /// The bytes holding the header length, little-endian.
        let lengthField: @Sendable ([UInt8]) -> Range<Int>
        let dtypes: [String]

        /// The header text as the length field describes it, clamped to the file.
        func header(of file: [UInt8]) -> Range<Int> {
            let field = lengthField(file)
            guard field.upperBound <= file.count else { return file.count..<file.count }
            let length = field.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64(file[$1]) }
            return field.upperBound..<(field.upperBound + Int(min(length, UInt64(file.count - field.upperBound))))
        }

        static let npy = Layout(
            lengthField: { file in 8..<(file.count > 6 && file[6] == 1 ? 10 : 12) },
            dtypes: ["'<f4'", "'<f8'", "'>f4'", "'<i4'", "'|u1'", "'<f2'", "'<f4 '", "''"])
        static let safetensors = Layout(
            lengthField: { _ in 0..<8 },
            dtypes: ["\"F32\"", "\"F64\"", "\"F16\"", "\"BF16\"", "\"I8\"", "\"U8\"", "\"f32\"", "\"\"", "7", "null"])
    }

    var rng: SeededGenerator
    let layout: Layout

    /// One to three mutations in a row.
    mutating func mutate(_ file: [UInt8]) -> [UInt8] {
        var out = file
        for _ in 0...rng.nextInt(below: 3) { out = mutateOnce(out) }
        return out
    }

    private mutating func mutateOnce(_ file: [UInt8]) -> [UInt8] {
        var out = file
        switch rng.nextInt(below: 9) {
        case 0:   // flip bits
            for _ in 0...rng.nextInt(below: 4) where !out.isEmpty {
                out[position(in: out)] ^= 1 << UInt8(rng.nextInt(below: 8))
            }
        case 1:   // overwrite bytes, with random or boundary values
            let values: [UInt8] = [0, 0xFF, 0x7F, 0x80, UInt8(rng.nextInt(below: 256))]
            for _ in 0...rng.nextInt(below: 4) where !out.isEmpty {
                out[position(in: out)] = values[rng.nextInt(below: values.count)]
            }
        case 2:   // truncate anywhere
            out.removeLast(rng.nextInt(below: out.count + 1))
        case 3:   // extend with junk
            out += (0..<(1 + rng.nextInt(below: 64))).map { _ in UInt8(rng.nextInt(below: 256)) }
        case 4:
            out = replaceLength(out)
        default:  // edit the header text, then (usually) fix its length so the edit is parsed
            let range = layout.header(of: out)
            var text = Array(out[range])
            editHeader(&text)
            out.replaceSubrange(range, with: text)
            if rng.nextInt(below: 4) > 0 { writeLength(UInt64(text.count), into: &out) }
        }
        return out
    }

    /// Mostly inside the header (where the parsing is), sometimes anywhere.
    private mutating func position(in file: [UInt8]) -> Int {
        let header = layout.header(of: file)
        let end = rng.nextInt(below: 2) == 0 ? max(1, min(file.count, header.upperBound)) : file.count
        return rng.nextInt(below: end)
    }

    private mutating func replaceLength(_ file: [UInt8]) -> [UInt8] {
        var out = file
        let current = UInt64(layout.header(of: file).count)
        let candidates: [UInt64] = [.max, .max - UInt64(rng.nextInt(below: 16)), 1 << 63, (1 << 63) - 1, 1 << 32,
                                    UInt64(UInt32.max), UInt64(UInt16.max), 0, 1, current &+ 1, current &- 1,
                                    current &+ UInt64(file.count), rng.next()]
        writeLength(candidates[rng.nextInt(below: candidates.count)], into: &out)
        return out
    }

    /// Writes the low bytes of `value` into the length field (those that fit, and those the file has).
    private func writeLength(_ value: UInt64, into file: inout [UInt8]) {
        for (i, at) in layout.lengthField(file).enumerated() where at < file.count {
            file[at] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))
        }
    }

    private mutating func editHeader(_ text: inout [UInt8]) {
        let digits = text.indices.filter { text[$0] >= UInt8(ascii: "0") && text[$0] <= UInt8(ascii: "9") }
        switch rng.nextInt(below: 7) {
        case 0 where !digits.isEmpty:   // change a digit
            text[digits[rng.nextInt(below: digits.count)]] = UInt8(ascii: "0") + UInt8(rng.nextInt(below: 10))
        case 1 where !digits.isEmpty:   // make a number huge, negative or fractional
            let insert = ["99999999999999999999", "4294967296", "9223372036854775807", "-", ".5", "e30", "000"]
            text.insert(contentsOf: insert[rng.nextInt(below: insert.count)].utf8, at: digits[rng.nextInt(below: digits.count)])
        case 2:
            swapDtype(&text)
        case 3:
            duplicateBrackets(&text)
        case 4 where !text.isEmpty:     // a structural or non-ASCII character somewhere
            let characters = Array("{}[](),:'\" -L".utf8) + [0xC3, 0xFF, 0x00, 0x0A]
            text[rng.nextInt(below: text.count)] = characters[rng.nextInt(below: characters.count)]
        case 5 where !text.isEmpty:     // delete a span
            let start = rng.nextInt(below: text.count)
            text.removeSubrange(start..<min(text.count, start + 1 + rng.nextInt(below: 12)))
        default:                        // insert a word that might be a value
            let words = ["True", "False", "None", "[]", "{}", "()", "\"\"", "1.5", "-1", "null", "true"]
            text.insert(contentsOf: words[rng.nextInt(below: words.count)].utf8, at: rng.nextInt(below: text.count + 1))
        }
    }

    /// Replaces one dtype string of the header with another, valid or not.
    private mutating func swapDtype(_ text: inout [UInt8]) {
        let found = layout.dtypes.flatMap { dtype in ranges(of: Array(dtype.utf8), in: text) }
        guard !found.isEmpty else { return }
        let replacement = layout.dtypes[rng.nextInt(below: layout.dtypes.count)]
        text.replaceSubrange(found[rng.nextInt(below: found.count)], with: replacement.utf8)
    }

    /// Copies one bracketed list (a safetensors data_offsets or shape, a .npy shape) over another,
    /// which makes tensors share offsets or disagree with their sizes.
    private mutating func duplicateBrackets(_ text: inout [UInt8]) {
        let lists = ranges(between: UInt8(ascii: "["), and: UInt8(ascii: "]"), in: text)
            + ranges(between: UInt8(ascii: "("), and: UInt8(ascii: ")"), in: text)
        guard lists.count >= 2 else { return }
        let source = Array(text[lists[rng.nextInt(below: lists.count)]])
        text.replaceSubrange(lists[rng.nextInt(below: lists.count)], with: source)
    }

    /// Plain loops, not slices and generic algorithms: this runs for every header edit, in a debug build.
    private func ranges(of needle: [UInt8], in text: [UInt8]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = 0
        while start + needle.count <= text.count, !needle.isEmpty {
            var k = 0
            while k < needle.count, text[start + k] == needle[k] { k += 1 }
            if k == needle.count { result.append(start..<(start + k)) }
            start += 1
        }
        return result
    }

    private func ranges(between open: UInt8, and close: UInt8, in text: [UInt8]) -> [Range<Int>] {
        var result: [Range<Int>] = [], start: Int?
        for (i, byte) in text.enumerated() {
            if byte == open { start = i }
            if byte == close, let from = start { result.append(from..<(i + 1)); start = nil }
        }
        return result
    }
}
