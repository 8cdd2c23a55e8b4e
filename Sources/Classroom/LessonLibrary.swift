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
            // URL(fileURLWithPath: "") is the current folder: an empty path must not list it.
            guard !explicit.isEmpty else {
                throw LessonError(file: "--lessons", line: nil, message: "the path is empty; give the folder the lessons are in")
            }
            let url = URL(fileURLWithPath: explicit, isDirectory: true)
            guard isFolder(url) else {
                let exists = FileManager.default.fileExists(atPath: explicit)
                throw LessonError(file: explicit, line: nil, message: exists
                    ? "is a file, not a folder; give the folder the lessons are in (such as Lessons)"
                    : "no such folder of lessons")
            }
            return url
        }
        let local = workingDirectory.appendingPathComponent("Lessons", isDirectory: true)
        if isFolder(local) { return local }
        if let bundled = Bundle.module.url(forResource: "Lessons", withExtension: nil), isFolder(bundled) { return bundled }
        throw LessonError(file: "Lessons", line: nil, message: "no lessons found: there is no ./Lessons folder and no bundled copy; pass --lessons DIR")
    }

    /// Every problem of every lesson file that could not be used, each as `file:line: what is
    /// wrong`: all of a file's problems, file by file, in line order.
    public let problems: [LessonError]

    /// Whether the folder holds no lesson file at all (README.md aside), good or broken.
    public var isEmpty: Bool { lessons.isEmpty && problems.isEmpty }

    /// Reads and checks every lesson file. A broken file does not stop the others: its problems
    /// are kept in `problems`, so one teacher's typo cannot take every lesson away from a class.
    public init(folder: URL, validate: LessonParser.Validator? = nil) {
        self.folder = folder
        let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
        let markdown = files.filter { $0.pathExtension == "md" && $0.lastPathComponent.lowercased() != "readme.md" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        var lessons: [Lesson] = [], problems: [LessonError] = []
        var seen: [String: String] = [:], numbers: [Int: String] = [:]
        for file in markdown {
            let name = file.lastPathComponent
            // Which file first had each number: `lesson 1` must not pick one of two silently.
            let number = LessonParser.identity(of: file).number
            let sameNumber = number.flatMap { numbers[$0] }
            if let number, sameNumber == nil { numbers[number] = name }
            if let unreadable = Self.notALessonFile(file) {
                problems.append(LessonError(file: name, line: nil, message: unreadable))
                continue
            }
            guard let text = try? String(contentsOf: file, encoding: .utf8) else {
                problems.append(LessonError(file: name, line: nil, message: "cannot be read as UTF-8 text"))
                continue
            }
            let reading = LessonParser.read(text, file: file, validate: validate)
            problems += reading.problems
            if let number, let sameNumber {
                problems.append(LessonError(file: name, line: nil, message: "has the same number \(number) as \(sameNumber); give each lesson its own number"))
                continue
            }
            guard let lesson = reading.lesson else { continue }
            if let other = seen[lesson.id] {
                problems.append(LessonError(file: name, line: nil, message: "has the same id '\(lesson.id)' as \(other)"))
                continue
            }
            seen[lesson.id] = name
            lessons.append(lesson)
        }
        self.lessons = lessons
        self.problems = problems
    }

    /// The first problem of the file that would have been lesson `key`, if that file is broken.
    public func problem(for key: String) -> LessonError? {
        problems(for: key).first
    }

    /// Every problem of the file that would have been lesson `key` (empty when it is not broken).
    public func problems(for key: String) -> [LessonError] {
        problems.filter { problem in
            let (id, number) = LessonParser.identity(of: URL(fileURLWithPath: problem.file))
            return id == key || (number != nil && Int(key) == number)
        }
    }

    /// The lesson with this id, or with this number (`3` or `03`).
    public func lesson(_ key: String) -> Lesson? {
        lessons.first { $0.id == key } ?? Int(key).flatMap { n in lessons.first { $0.number == n } }
    }

    /// The known id closest to `key` in edit distance, for "did you mean"; nothing for a number
    /// (`99` is not a misspelt id).
    public func nearest(to key: String) -> String? {
        if Int(key) != nil { return nil }
        return lessons.map(\.id).min { editDistance($0, key) < editDistance($1, key) }
    }

    /// What `file` is when it is not a regular file that can be read, or nil when it is one. It
    /// is asked before reading: a folder or a dangling link is not "text that is not UTF-8", and
    /// reading a named pipe would wait forever.
    static func notALessonFile(_ file: URL) -> String? {
        var link = stat(), target = stat()
        guard lstat(file.path, &link) == 0 else { return "cannot be read: \(String(cString: strerror(errno)))" }
        let isLink = (link.st_mode & S_IFMT) == S_IFLNK
        guard stat(file.path, &target) == 0 else {
            if isLink && errno == ENOENT {
                let destination = (try? FileManager.default.destinationOfSymbolicLink(atPath: file.path)).map { " to \($0)" } ?? ""
                return "is a link\(destination) that leads nowhere (the file it names does not exist)"
            }
            return "cannot be read: \(String(cString: strerror(errno)))"
        }
        let via = isLink ? "is a link to " : "is "
        switch target.st_mode & S_IFMT {
        case S_IFREG:
            return access(file.path, R_OK) == 0 ? nil : "cannot be read: permission denied"
        case S_IFDIR: return "\(via)a folder, not a lesson file"
        default: return "\(via)a device, pipe or socket, not a lesson file"
        }
    }

    private static func isFolder(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}

/// Levenshtein distance: single-character insertions, deletions and substitutions.
public func editDistance(_ a: String, _ b: String) -> Int {
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

/// The candidate closest to `word`, if it is close enough to be what was meant: at most two
/// edits, or a third of the word for long ones ("maks" → "mask", "--lenn" → "--len").
public func closest(to word: String, among candidates: [String]) -> String? {
    guard let best = candidates.min(by: { editDistance($0, word) < editDistance($1, word) }) else { return nil }
    return editDistance(best, word) <= max(2, word.count / 3) ? best : nil
}
