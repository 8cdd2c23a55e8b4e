/// The header of a .npy file: a Python dict literal such as
///
///     {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
///
/// read with a small parser of its own rather than by searching the text, so a malformed header
/// is reported as such instead of being half-understood. Like numpy, it wants exactly the keys
/// 'descr', 'fortran_order' and 'shape'.
struct NpyHeader {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    /// `utf8`: version 3.0 headers are UTF-8; earlier ones must be ASCII.
    init(_ bytes: UnsafeRawBufferPointer, utf8: Bool) throws {
        let text = [UInt8](bytes)
        if utf8 {
            guard String(decoding: text, as: UTF8.self).utf8.elementsEqual(text) else {
                throw Npy.FormatError(description: ".npy header is not valid UTF-8")
            }
        } else if let offset = text.firstIndex(where: { $0 >= 0x80 }) {
            throw Npy.FormatError(description: ".npy header is not ASCII: byte \(offset) is \(text[offset])")
        }
        var parser = Parser(text: text)
        let entries = try parser.dictionary()
        var descr: String?, fortranOrder: Bool?, shape: [Int]?
        for (key, value) in entries {
            switch (key, value) {
            case ("descr", .text(let text)) where descr == nil: descr = text
            case ("fortran_order", .bool(let flag)) where fortranOrder == nil: fortranOrder = flag
            case ("shape", .tuple(let dimensions)) where shape == nil: shape = dimensions
            case ("descr", _), ("fortran_order", _), ("shape", _):
                throw Npy.FormatError(description: ".npy header has a repeated or mistyped '\(key)'")
            default:
                throw Npy.FormatError(description: ".npy header has an unexpected key '\(printable(key))'")
            }
        }
        guard let descr, let fortranOrder, let shape else {
            let missing = ["descr", "fortran_order", "shape"].filter { !entries.map(\.key).contains($0) }
            throw Npy.FormatError(description: ".npy header lacks " + missing.map { "'\($0)'" }.joined(separator: ", "))
        }
        (self.descr, self.fortranOrder, self.shape) = (descr, fortranOrder, shape)
    }

    enum Value {
        case text(String), bool(Bool), tuple([Int])
    }

    /// A recursive-descent reader of the one dict literal; `at` is the next byte to read.
    private struct Parser {
        let text: [UInt8]
        var at = 0

        mutating func dictionary() throws -> [(key: String, value: Value)] {
            skipSpace()
            guard peek == UInt8(ascii: "{") else { throw failure("is not a dict: it does not start with '{'") }
            at += 1
            var entries: [(key: String, value: Value)] = []
            while true {
                skipSpace()
                if peek == UInt8(ascii: "}") { at += 1; break }
                let key = try string()
                try expect(":")
                entries.append((key, try value()))
                skipSpace()
                if peek == UInt8(ascii: ",") { at += 1; continue }
                guard peek == UInt8(ascii: "}") else { throw failure("expected ',' or '}' at byte \(at)") }
            }
            skipSpace()
            guard at == text.count else { throw failure("has text after the dict, at byte \(at)") }
            return entries
        }

        mutating func value() throws -> Value {
            skipSpace()
            switch peek {
            case UInt8(ascii: "'"), UInt8(ascii: "\""): return .text(try string())
            case UInt8(ascii: "("): return .tuple(try tuple())
            case UInt8(ascii: "T") where hasWord("True"): at += 4; return .bool(true)
            case UInt8(ascii: "F") where hasWord("False"): at += 5; return .bool(false)
            default: throw failure("has a value it cannot read at byte \(at)")
            }
        }

        /// A quoted string without escapes (numpy's keys and descr need none).
        mutating func string() throws -> String {
            skipSpace()
            guard let quote = peek, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
                throw failure("expected a quoted key at byte \(at)")
            }
            guard let close = text[(at + 1)...].firstIndex(of: quote) else { throw failure("has an unterminated string") }
            defer { at = close + 1 }
            return String(decoding: text[(at + 1)..<close], as: UTF8.self)
        }

        /// The shape: integers in parentheses, e.g. (), (5,), (2, 3). Python 2's numpy wrote 3L.
        mutating func tuple() throws -> [Int] {
            at += 1   // the "("
            var dimensions: [Int] = []
            while true {
                skipSpace()
                if peek == UInt8(ascii: ")") { at += 1; return dimensions }
                dimensions.append(try integer())
                skipSpace()
                if peek == UInt8(ascii: "L") { at += 1; skipSpace() }
                if peek == UInt8(ascii: ",") { at += 1; continue }
                guard peek == UInt8(ascii: ")") else { throw failure("has a shape that is not a tuple of integers") }
            }
        }

        mutating func integer() throws -> Int {
            let start = at
            if peek == UInt8(ascii: "-") { at += 1 }
            while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { at += 1 }
            let digits = String(decoding: text[start..<at], as: UTF8.self)
            guard digits.contains(where: \.isNumber) else { throw failure("has a shape that is not a tuple of integers") }
            guard let value = Int(digits) else {
                throw failure("has a shape dimension too large for Int: \(printable(digits))")
            }
            return value
        }

        mutating func expect(_ character: Unicode.Scalar) throws {
            skipSpace()
            guard peek == UInt8(ascii: character) else { throw failure("expected '\(character)' at byte \(at)") }
            at += 1
        }

        func hasWord(_ word: String) -> Bool {
            text[at...].starts(with: word.utf8)
        }

        var peek: UInt8? { at < text.count ? text[at] : nil }

        mutating func skipSpace() {
            while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D { at += 1 }
        }

        func failure(_ problem: String) -> Npy.FormatError {
            Npy.FormatError(description: ".npy header " + problem)
        }
    }
}
