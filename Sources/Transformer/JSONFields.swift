import Foundation

/// Typed reads of a JSON object's fields, each failure naming the field by its path
/// (`positions.max_distance`). Whoever reads a file says how a failure reads in its own words
/// (a config field, a checkpoint file's field, a training record's field) through `failure`.
public struct JSONFields {
    public let object: [String: Any]
    /// Where this object sits in the file ("" at the top), for messages.
    public let path: String
    private let failure: @Sendable (_ field: String, _ problem: String) -> Error

    public init(_ object: [String: Any], path: String = "", failure: @escaping @Sendable (_ field: String, _ problem: String) -> Error) {
        self.object = object
        self.path = path
        self.failure = failure
    }

    /// The field's full name: `path.key`.
    public func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// An error about `key`, in the reader's words.
    public func problem(_ key: String, _ text: String) -> Error { failure(name(key), text) }

    public func has(_ key: String) -> Bool { object[key].map { !($0 is NSNull) } ?? false }

    private func value(_ key: String) throws -> Any {
        guard let value = object[key], !(value is NSNull) else { throw problem(key, "is missing") }
        return value
    }

    private func wrong(_ key: String, _ expected: String, _ value: Any) -> Error {
        let shown = value is String ? "\"\(value)\"" : "\(value)"
        return problem(key, "must be \(expected), not \(shown.prefix(60))")
    }

    /// JSON numbers and booleans both arrive as NSNumber (and each casts to the other); a
    /// boolean's type code is "c".
    private func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    public func int(_ key: String) throws -> Int {
        let value = try value(key)
        guard !(value is String), !isBoolean(value), let number = value as? NSNumber,
              let int = Int(exactly: number.doubleValue) else { throw wrong(key, "a whole number", value) }
        return int
    }

    public func uint64(_ key: String) throws -> UInt64 {
        let value = try value(key)
        guard !(value is String), !isBoolean(value), let number = value as? NSNumber, number.doubleValue >= 0,
              number.doubleValue == number.doubleValue.rounded() else { throw wrong(key, "a whole number of at least 0", value) }
        return number.uint64Value
    }

    public func float(_ key: String) throws -> Float {
        let value = try value(key)
        guard !(value is String), !isBoolean(value), let number = value as? NSNumber else { throw wrong(key, "a number", value) }
        return number.floatValue
    }

    public func bool(_ key: String) throws -> Bool {
        let value = try value(key)
        guard isBoolean(value), let bool = value as? Bool else { throw wrong(key, "true or false", value) }
        return bool
    }

    public func string(_ key: String) throws -> String {
        let value = try value(key)
        guard let string = value as? String else { throw wrong(key, "a string", value) }
        return string
    }

    /// One of an enumeration's raw values.
    public func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws -> T where T.RawValue == String {
        let text = try string(key)
        guard let choice = T(rawValue: text) else {
            throw problem(key, "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(text.prefix(60))\"")
        }
        return choice
    }

    public func object(_ key: String) throws -> JSONFields {
        let value = try value(key)
        guard let inner = value as? [String: Any] else { throw wrong(key, "an object", value) }
        return JSONFields(inner, path: name(key), failure: failure)
    }
}
