import Foundation

/// A JSON object read from one file of a checkpoint folder, with typed reads whose failures name
/// the file and the field: `run/config.json: field 'n_head' must be a whole number, not "two"`.
struct JSONFile {
    let object: [String: Any]
    /// The file's text, for a reader that parses it again (`ConfigFile`).
    let data: Data
    let folder: URL
    let file: String
    /// Where this object sits inside the file ("model" for tokenizer.json's model), for messages.
    let path: String

    /// Reads `file` of `folder`; a missing file, text that is not JSON, or JSON that is not an
    /// object each get one line.
    static func read(_ file: String, in folder: URL, missing: String) throws -> JSONFile {
        let url = folder.appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else { throw CheckpointError(folder, file, missing) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CheckpointError(folder, file, "cannot be read (\(error.localizedDescription))")
        }
        return try parse(data, file: file, in: folder)
    }

    static func parse(_ data: Data, file: String, in folder: URL) throws -> JSONFile {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw CheckpointError(folder, file, "is not valid JSON")
        }
        guard let object = parsed as? [String: Any] else {
            throw CheckpointError(folder, file, "must hold a JSON object of fields")
        }
        return JSONFile(object: object, data: data, folder: folder, file: file, path: "")
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func problem(_ key: String, _ text: String) -> CheckpointError {
        CheckpointError(folder, file, "field '\(name(key))' \(text)")
    }

    func has(_ key: String) -> Bool { object[key].map { !($0 is NSNull) } ?? false }

    private func value(_ key: String) throws -> Any {
        guard let value = object[key], !(value is NSNull) else { throw problem(key, "is missing") }
        return value
    }

    private func wrong(_ key: String, _ expected: String, _ value: Any) -> CheckpointError {
        let shown = value is String ? "\"\(value)\"" : "\(value)"
        return problem(key, "must be \(expected), not \(shown.prefix(60))")
    }

    /// JSON numbers and booleans both arrive as NSNumber; a boolean's type code is "c".
    private func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    func int(_ key: String) throws -> Int {
        let value = try value(key)
        guard !(value is String), !isBoolean(value), let number = value as? NSNumber,
              let int = Int(exactly: number.doubleValue) else { throw wrong(key, "a whole number", value) }
        return int
    }

    func float(_ key: String) throws -> Float {
        let value = try value(key)
        guard !(value is String), !isBoolean(value), let number = value as? NSNumber else { throw wrong(key, "a number", value) }
        return number.floatValue
    }

    func bool(_ key: String) throws -> Bool {
        let value = try value(key)
        guard isBoolean(value), let bool = value as? Bool else { throw wrong(key, "true or false", value) }
        return bool
    }

    func string(_ key: String) throws -> String {
        let value = try value(key)
        guard let string = value as? String else { throw wrong(key, "a string", value) }
        return string
    }

    func object(_ key: String) throws -> JSONFile {
        let value = try value(key)
        guard let inner = value as? [String: Any] else { throw wrong(key, "an object", value) }
        return JSONFile(object: inner, data: data, folder: folder, file: file, path: name(key))
    }

    /// The field when present (and not null), else `fallback`: GPT-2's config leaves out fields
    /// that have their default.
    func int(_ key: String, default fallback: Int) throws -> Int { has(key) ? try int(key) : fallback }
    func float(_ key: String, default fallback: Float) throws -> Float { has(key) ? try float(key) : fallback }
    func bool(_ key: String, default fallback: Bool) throws -> Bool { has(key) ? try bool(key) : fallback }
    func string(_ key: String, default fallback: String) throws -> String { has(key) ? try string(key) : fallback }
}
