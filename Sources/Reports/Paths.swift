import Foundation

/// Checks on output paths, made before any work so that a command never computes for a minute and
/// then finds it cannot write. Nothing is created here.
public enum Paths {
    /// `path` can be written as a file: not empty, no NUL, not a folder, and its folder exists as
    /// a writable folder or can be created inside one.
    public static func checkFile(_ path: String, option: String? = nil) throws {
        try checkText(path, option: option)
        let name = URL(fileURLWithPath: path).lastPathComponent
        guard name.utf8.count <= longestName else {
            throw OutputError("\(named(path, option)): the file name is \(name.utf8.count) bytes long; at most \(longestName) fit (with room for a temporary name)")
        }
        if isFolder(path) { throw OutputError("\(named(path, option)) is a folder; give a file name such as \(path)/picture.png") }
        try checkCreatable(URL(fileURLWithPath: path).deletingLastPathComponent().path, for: path, option: option)
    }

    /// `path` can be written as a folder: not empty, no NUL, not a file, and it exists as a
    /// writable folder or can be created inside one.
    public static func checkFolder(_ path: String, option: String? = nil) throws {
        try checkText(path, option: option)
        if FileManager.default.fileExists(atPath: path) && !isFolder(path) {
            throw OutputError("\(named(path, option)) is a file, not a folder; give a folder to write into")
        }
        try checkCreatable(path, for: path, option: option)
    }

    /// The longest file name written: 255 bytes, less room for the temporary name beside it.
    public static let longestName = 200

    /// `path` with `.` and `..` resolved by their text, as a user means them: `a/../b` is `b`
    /// whether or not `a` exists (the file system would need `a` to exist). Relative stays relative.
    public static func normalized(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                if let last = parts.last, last != ".." { parts.removeLast() } else if !absolute { parts.append(part) }
            default: parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    public static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func checkText(_ path: String, option: String?) throws {
        guard !path.isEmpty else { throw OutputError("\(option.map { "\($0): " } ?? "")the path is empty; give a file or folder name") }
        guard !path.utf8.contains(0) else { throw OutputError("\(option.map { "\($0): " } ?? "")the path contains a NUL byte") }
    }

    /// The nearest existing ancestor of `folder` (or `folder` itself) must be a writable folder.
    private static func checkCreatable(_ folder: String, for path: String, option: String?) throws {
        var url = URL(fileURLWithPath: normalized(folder.isEmpty ? "." : folder), isDirectory: true)
        while !FileManager.default.fileExists(atPath: url.path) { url = url.deletingLastPathComponent() }
        guard isFolder(url.path) else {
            throw OutputError("cannot create \(named(path, option)): \(url.path) is a file, not a folder")
        }
        guard FileManager.default.isWritableFile(atPath: url.path) else {
            throw OutputError("cannot write \(named(path, option)): \(url.path) is not writable (permission denied)")
        }
    }

    private static func named(_ path: String, _ option: String?) -> String {
        option.map { "\($0) \(path)" } ?? path
    }
}
