import Foundation

/// Reads lesson files. The format is deliberately small, so a teacher can write one without
/// reading code: see Lessons/README.md.
public enum LessonParser {
    /// Checks one command's words (after "attnlab"); returns what is wrong with it, or nil.
    public typealias Validator = ([String]) -> String?

    public static func parse(_ text: String, file: URL, validate: Validator? = nil) throws -> Lesson {
        let name = file.lastPathComponent
        func fail(_ line: Int?, _ message: String) -> LessonError { LessonError(file: name, line: line, message: message) }

        var title: String?
        var introduction: [Lesson.Block] = []
        var steps: [Lesson.Step] = []
        var current: (title: String, line: Int, blocks: [Lesson.Block])?
        var prose: [String] = []

        func add(_ block: Lesson.Block) {
            if current != nil { current!.blocks.append(block) } else { introduction.append(block) }  // ok: checked just before
        }
        func flushProse() {
            let paragraph = prose.joined(separator: "\n").trimmingCharacters(in: .newlines)
            if !paragraph.trimmingCharacters(in: .whitespaces).isEmpty { add(.prose(paragraph)) }
            prose = []
        }

        // Windows line endings too: Swift treats "\r\n" as one character, so split on newlines of any kind.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        var index = 0
        while index < lines.count {
            let line = lines[index], number = index + 1
            index += 1
            if title == nil {
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                guard line.hasPrefix("# ") else { throw fail(number, "a lesson starts with its title, a line '# Title'") }
                title = String(line.dropFirst(2)).trimmingCharacters(in: .whitespaces)
                continue
            }
            if line.hasPrefix("## ") {
                flushProse()
                if let current { steps.append(Lesson.Step(title: current.title, blocks: current.blocks, line: current.line)) }
                current = (String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces), number, [])
                continue
            }
            if line.hasPrefix("# ") { throw fail(number, "a lesson has one '# Title'; steps are '## ' headings") }
            guard line.hasPrefix("```") else { prose.append(line); continue }

            // A fenced block: find its end.
            flushProse()
            let info = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
            var body: [(String, Int)] = []
            var closed = false
            while index < lines.count {
                let inner = lines[index]
                index += 1
                if inner.trimmingCharacters(in: .whitespaces).hasPrefix("```") { closed = true; break }
                body.append((inner, index))
            }
            guard closed else { throw fail(number, "this ``` block is never closed") }
            if info == "attnlab" {
                for command in try commands(body, fail: fail, validate: validate) { add(.command(command)) }
            } else {
                add(.literal(body.map(\.0).joined(separator: "\n")))
            }
        }
        flushProse()
        if let current { steps.append(Lesson.Step(title: current.title, blocks: current.blocks, line: current.line)) }

        guard let title else { throw fail(nil, "the file is empty; a lesson starts with a line '# Title'") }
        guard !steps.isEmpty else { throw fail(nil, "a lesson needs at least one step, a '## ' heading") }
        if let empty = steps.first(where: { $0.blocks.isEmpty }) {
            throw fail(empty.line, "the step '\(empty.title)' has nothing in it")
        }
        let (id, number) = identity(of: file)
        return Lesson(id: id, number: number, title: title, introduction: introduction, steps: steps, file: file)
    }

    /// `03-encoder-only.md` → ("encoder-only", 3); `my-lesson.md` → ("my-lesson", nil).
    public static func identity(of file: URL) -> (id: String, number: Int?) {
        let stem = file.deletingPathExtension().lastPathComponent
        let digits = stem.prefix { $0.isNumber }
        guard !digits.isEmpty, stem.dropFirst(digits.count).first == "-" else { return (stem, nil) }
        return (String(stem.dropFirst(digits.count + 1)), Int(digits))
    }

    /// The commands of one ```attnlab block: one per line (a trailing backslash continues it),
    /// each starting with `attnlab`; blank lines and `#` comments are skipped.
    private static func commands(_ body: [(String, Int)], fail: (Int?, String) -> LessonError,
                                 validate: Validator?) throws -> [Lesson.Command] {
        var result: [Lesson.Command] = []
        var pending: (text: String, line: Int)?
        for (raw, number) in body {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if pending == nil && (line.isEmpty || line.hasPrefix("#")) { continue }
            let text = (pending.map { $0.text + " " } ?? "") + (line.hasSuffix("\\") ? String(line.dropLast()) : line)
            let start = pending?.line ?? number
            if line.hasSuffix("\\") { pending = (text, start); continue }
            pending = nil
            let words: [String]
            do { words = try ShellWords.split(text) } catch { throw fail(start, "\(error)") }
            guard words.first == "attnlab", words.count > 1 else {
                throw fail(start, "each line of an attnlab block is one command starting with 'attnlab', got '\(text)'")
            }
            let arguments = Array(words.dropFirst())
            if let problem = validate?(arguments) { throw fail(start, problem) }
            result.append(Lesson.Command(text: text.trimmingCharacters(in: .whitespaces), arguments: arguments, line: start))
        }
        if let pending { throw fail(pending.line, "the command ends with '\\' but nothing follows") }
        return result
    }
}

/// Splits a command line into words as a POSIX shell would for simple cases: whitespace separates,
/// single quotes keep everything, double quotes keep everything but \" and \\, a backslash escapes.
public enum ShellWords {
    public struct Unbalanced: Error, CustomStringConvertible {
        public let description = "a quote is opened and never closed"
    }

    public static func split(_ line: String) throws -> [String] {
        var words: [String] = []
        var word = "", inWord = false
        var quote: Character?
        var escaped = false
        for c in line {
            if escaped { word.append(c); escaped = false; continue }
            switch (quote, c) {
            case (nil, "\\"), ("\"", "\\"): escaped = true; inWord = true
            case (nil, "'"), (nil, "\""): quote = c; inWord = true
            case ("'", "'"), ("\"", "\""): quote = nil
            case (nil, _) where c.isWhitespace:
                if inWord { words.append(word); word = ""; inWord = false }
            default: word.append(c); inWord = true
            }
        }
        guard quote == nil else { throw Unbalanced() }
        if inWord { words.append(word) }
        return words
    }
}
