import Foundation

/// The lessons in one folder: every `*.md` file but README.md, in file-name order.
public struct LessonLibrary: Sendable {
    public let folder: URL
    public let lessons: [Lesson]

    /// Where lessons come from: the folder given with `--lessons`, else `./Lessons`, else the copy
    /// bundled with the program (so an installed attnlab works from any folder).
    public static func locate(explicit: String?, workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        throws -> URL {
        if let explicit {
            let url = URL(fileURLWithPath: explicit, isDirectory: true)
            guard isFolder(url) else { throw LessonError(file: explicit, line: nil, message: "no such folder of lessons") }
            return url
        }
        let local = workingDirectory.appendingPathComponent("Lessons", isDirectory: true)
        if isFolder(local) { return local }
        if let bundled = Bundle.module.url(forResource: "Lessons", withExtension: nil), isFolder(bundled) { return bundled }
        throw LessonError(file: "Lessons", line: nil, message: "no lessons found: there is no ./Lessons folder and no bundled copy; pass --lessons DIR")
    }

    /// Reads and checks every lesson; the first problem found is thrown as `file:line: what`.
    public init(folder: URL, validate: LessonParser.Validator? = nil) throws {
        self.folder = folder
        let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
        let markdown = files.filter { $0.pathExtension == "md" && $0.lastPathComponent.lowercased() != "readme.md" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        lessons = try markdown.map { file in
            let text: String
            do { text = try String(contentsOf: file, encoding: .utf8) } catch {
                throw LessonError(file: file.lastPathComponent, line: nil, message: "cannot be read as UTF-8 text")
            }
            return try LessonParser.parse(text, file: file, validate: validate)
        }
        var seen: [String: String] = [:]
        for lesson in lessons {
            if let other = seen[lesson.id] {
                throw LessonError(file: lesson.file.lastPathComponent, line: nil, message: "has the same id '\(lesson.id)' as \(other)")
            }
            seen[lesson.id] = lesson.file.lastPathComponent
        }
    }

    /// The lesson with this id, or with this number (`3` or `03`).
    public func lesson(_ key: String) -> Lesson? {
        lessons.first { $0.id == key } ?? Int(key).flatMap { n in lessons.first { $0.number == n } }
    }

    /// The known id closest to `key` in edit distance, for "did you mean".
    public func nearest(to key: String) -> String? {
        lessons.map(\.id).min { editDistance($0, key) < editDistance($1, key) }
    }

    private static func isFolder(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}

/// Levenshtein distance: single-character insertions, deletions and substitutions.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var row = [i] + Array(repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = row
    }
    return a.isEmpty ? b.count : previous[b.count]
}
