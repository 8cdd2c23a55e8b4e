import Foundation

/// Why a tokenizer.json could not be read: one line naming the file, the field and what is wrong,
/// e.g. `tokenizer.json: field 'model.merges[12]' is "a b c"; a merge is two tokens separated by one space`.
/// (Named apart from the Training module's `TokenizerFileError`, so that both modules can be imported.)
public struct TokenizerJSONError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file, as the caller named it (`tokenizer.json` unless a path was given).
    public let file: String
    /// The field, as a path from the top of the file (`model.vocab`, `added_tokens[3].id`); nil when
    /// the problem is with the file as a whole.
    public let field: String?
    /// What is wrong, as the rest of the sentence.
    public let problem: String

    public init(file: String, field: String?, problem: String) {
        self.file = file
        self.field = field
        self.problem = problem
    }

    public var description: String {
        let line = field.map { "\(file): field '\($0)' \(problem)" } ?? "\(file): \(problem)"
        // One line, whatever the file held.
        return line.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
    }
}

/// A field of the file on its way to being read: its value (nil when missing) and its path, so
/// that every error can name it. Errors are thrown without the file name, which the caller adds.
struct Field {
    struct Problem: Error {
        let field: String?
        let problem: String
    }

    let value: JSONValue?
    let path: String

    /// The member `key` of this object.
    subscript(key: String) -> Field {
        Field(value: value?[key], path: path.isEmpty ? key : "\(path).\(key)")
    }

    func problem(_ text: String) -> Problem { Problem(field: path, problem: text) }

    var isMissingOrNull: Bool {
        if case .null? = value { return true }
        return value == nil
    }

    private func wrongKind(_ wanted: String) -> Problem {
        guard let value else { return problem("is missing; it must be \(wanted)") }
        return problem("must be \(wanted), not \(value.kindName)")
    }

    func string() throws(Problem) -> String {
        guard case .string(let text)? = value else { throw wrongKind("a string") }
        return text
    }

    /// nil when missing or null.
    func optionalString() throws(Problem) -> String? { isMissingOrNull ? nil : try string() }

    func bool(default fallback: Bool) throws(Problem) -> Bool {
        if isMissingOrNull { return fallback }
        guard case .bool(let flag)? = value else { throw wrongKind("true or false") }
        return flag
    }

    func optionalBool() throws(Problem) -> Bool? { isMissingOrNull ? nil : try bool(default: false) }

    func double() throws(Problem) -> Double {
        guard case .number(let number)? = value else { throw wrongKind("a number") }
        return number
    }

    /// A whole number in 0..<limit.
    func index(below limit: Int) throws(Problem) -> Int {
        guard case .number(let number)? = value else { throw wrongKind("a whole number") }
        guard number == number.rounded(), number >= 0, number < Double(limit) else {
            let range = limit == Int.max ? "0 or more" : "from 0 to \(limit - 1)"
            throw problem("is \(Self.format(number)); it must be a whole number \(range)")
        }
        return Int(number)
    }

    func optionalIndex(below limit: Int) throws(Problem) -> Int? { isMissingOrNull ? nil : try index(below: limit) }

    func array() throws(Problem) -> [Field] {
        guard case .array(let elements)? = value else { throw wrongKind("a list") }
        return elements.enumerated().map { Field(value: $1, path: "\(path)[\($0)]") }
    }

    /// A list, each element read by `read` (nil results left out).
    func list<T>(_ read: (Field) throws(Problem) -> T?) throws(Problem) -> [T] {
        var out: [T] = []
        for item in try array() {
            if let value = try read(item) { out.append(value) }
        }
        return out
    }

    /// The members of an object, in file order.
    func members() throws(Problem) -> [(key: String, field: Field)] {
        guard case .object(let members)? = value else { throw wrongKind("an object") }
        return members.map { ($0.key, Field(value: $0.value, path: "\(path).\($0.key)")) }
    }

    /// The `type` of a component object, which says which kind it is.
    func typeName() throws(Problem) -> String {
        guard case .object? = value else { throw wrongKind("an object") }
        return try self["type"].string()
    }

    static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}

/// A string quoted for an error message, with invisible characters escaped and long ones cut.
func quoted(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars.prefix(40) {
        if scalar.properties.generalCategory == .control || scalar == "\"" || scalar == "\\" {
            out += scalar.escaped(asASCII: false)
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    if text.unicodeScalars.count > 40 { out += "…" }
    return "\"\(out)\""
}
