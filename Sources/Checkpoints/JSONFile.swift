import Foundation
import Transformer

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
        guard ModelFolder.isRegularFile(url) else { throw CheckpointError(folder, file, "is not a regular file") }
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

    /// The typed reads, with failures that name this file and the field.
    private var fields: JSONFields {
        let (folder, file) = (folder, file)
        return JSONFields(object, path: path) { field, problem in CheckpointError(folder, file, "field '\(field)' \(problem)") }
    }

    func name(_ key: String) -> String { fields.name(key) }
    func problem(_ key: String, _ text: String) -> Error { fields.problem(key, text) }
    func has(_ key: String) -> Bool { fields.has(key) }
    func int(_ key: String) throws -> Int { try fields.int(key) }
    func float(_ key: String) throws -> Float { try fields.float(key) }
    func bool(_ key: String) throws -> Bool { try fields.bool(key) }
    func string(_ key: String) throws -> String { try fields.string(key) }

    func object(_ key: String) throws -> JSONFile {
        JSONFile(object: try fields.object(key).object, data: data, folder: folder, file: file, path: name(key))
    }

    /// The field when present (and not null), else `fallback`: GPT-2's config leaves out fields
    /// that have their default.
    func int(_ key: String, default fallback: Int) throws -> Int { has(key) ? try int(key) : fallback }
    func float(_ key: String, default fallback: Float) throws -> Float { has(key) ? try float(key) : fallback }
    func bool(_ key: String, default fallback: Bool) throws -> Bool { has(key) ? try bool(key) : fallback }
    func string(_ key: String, default fallback: String) throws -> String { has(key) ? try string(key) : fallback }

    /// The field when present (and not null), else nil: a special token id a model may not have.
    func optionalInt(_ key: String) throws -> Int? { has(key) ? try int(key) : nil }

    /// A whole number or a list of them (`eos_token_id` is either); empty when absent or null.
    func ints(_ key: String) throws -> [Int] {
        guard has(key) else { return [] }
        guard let list = object[key] as? [Any] else { return [try int(key)] }
        return try list.map { item in
            guard let number = item as? NSNumber, !(item is String), String(cString: number.objCType) != "c",
                  let whole = Int(exactly: number.doubleValue) else {
                throw problem(key, "must be a whole number or a list of them, not \(String("\(item)".prefix(60)))")
            }
            return whole
        }
    }

    /// A list of strings (`architectures`); empty when absent or null.
    func strings(_ key: String) throws -> [String] {
        guard has(key) else { return [] }
        guard let list = object[key] as? [Any], let strings = list as? [String], strings.count == list.count else {
            throw problem(key, "must be a list of strings")
        }
        return strings
    }
}
