import Foundation

/// Reads lesson files. The format is deliberately small, so a teacher can write one without
/// reading code: see Lessons/README.md.
public enum LessonParser {
    /// Checks one command's words (after "attnlab"); returns what is wrong with it, or nil.
    public typealias Validator = ([String]) -> String?

    /// A lesson file read through: the lesson when the file has no problem, and every problem found.
    public struct Reading: Sendable {
        /// nil when there is any problem: a lesson with a mistake in it is not run at all.
        public let lesson: Lesson?
        /// Every problem of the file, in line order (problems of the whole file, without a line, last).
        public let problems: [LessonError]
    }

    /// Reads a lesson and throws its first problem; `read` gives them all.
    public static func parse(_ text: String, file: URL, validate: Validator? = nil) throws -> Lesson {
        let reading = read(text, file: file, validate: validate)
        if let first = reading.problems.first { throw first }
        guard let lesson = reading.lesson else { throw LessonError(file: file.lastPathComponent, line: nil, message: "is not a lesson") }
        return lesson
    }

    /// Reads a lesson and reports every problem in it, not only the first, so a teacher fixes a
    /// file in one go. After a problem the reader carries on as best it can: a line that is wrong
    /// is left out, a block that is never closed ends the file.
    public static func read(_ text: String, file: URL, validate: Validator? = nil) -> Reading {
        let name = file.lastPathComponent
        var problems: [LessonError] = []
        func fail(_ line: Int?, _ message: String) { problems.append(LessonError(file: name, line: line, message: message)) }

        var title: String?
        var introduction: [Lesson.Block] = []
        var steps: [Lesson.Step] = []
        var current: (title: String, line: Int, blocks: [Lesson.Block])?
        var prose: [String] = []
        var sawText = false
        var stepsWithBadCommands: Set<Int> = []   // not "empty": their blocks were reported already

        func add(_ block: Lesson.Block) {
            if current != nil { current!.blocks.append(block) } else { introduction.append(block) }  // ok: checked just before
        }
        func flushProse() {
            let paragraph = prose.joined(separator: "\n").trimmingCharacters(in: .newlines)
            if !paragraph.trimmingCharacters(in: .whitespaces).isEmpty { add(.prose(paragraph)) }
            prose = []
        }

        // Windows line endings too: Swift treats "\r\n" as one character, so split on newlines of any kind.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        // A lesson is shown on a class's terminal: an ESC or BEL in it could restyle, retitle or beep
        // that terminal. Such a line is reported, and read with the character left out.
        // (NUL is left for the command check, which names the argument it is in.)
        for (i, line) in lines.enumerated() where line.unicodeScalars.contains(where: isTerminalControl) {
            let first = line.unicodeScalars.first(where: isTerminalControl)?.value ?? 0
            fail(i + 1, "contains the control character U+\(String(format: "%04X", first)); lessons are plain text")
            lines[i] = String(String.UnicodeScalarView(line.unicodeScalars.filter { !isTerminalControl($0) }))
        }
        var index = 0
        while index < lines.count {
            let line = lines[index], number = index + 1
            index += 1
            if title == nil {
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                sawText = true
                if line.hasPrefix("# ") {
                    title = String(line.dropFirst(2)).trimmingCharacters(in: .whitespaces)
                    continue
                }
                // Report it, then read the rest as if the title were there, to find any other problem.
                fail(number, "a lesson starts with its title, a line '# Title'")
                title = ""
            }
            if line.hasPrefix("## ") {
                flushProse()
                if let current { steps.append(Lesson.Step(title: current.title, blocks: current.blocks, line: current.line)) }
                current = (String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces), number, [])
                continue
            }
            if line.hasPrefix("# ") { fail(number, "a lesson has one '# Title'; steps are '## ' headings"); continue }
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
            guard closed else {
                fail(number, "this ``` block is never closed")
                if let current { stepsWithBadCommands.insert(current.line) }
                break
            }
            if info.split(whereSeparator: \.isWhitespace).first == "attnlab" {
                let before = problems.count
                let needs = needed(by: info, line: number, fail: fail)
                for command in commands(body, needs: needs, fail: fail, validate: validate) { add(.command(command)) }
                if problems.count > before, let current { stepsWithBadCommands.insert(current.line) }
            } else {
                add(.literal(body.map(\.0).joined(separator: "\n")))
            }
        }
        flushProse()
        if let current { steps.append(Lesson.Step(title: current.title, blocks: current.blocks, line: current.line)) }

        if !sawText {
            fail(nil, "the file is empty; a lesson starts with a line '# Title'")
        } else if steps.isEmpty {
            fail(nil, "a lesson needs at least one step, a '## ' heading")
        }
        for empty in steps where empty.blocks.isEmpty && !stepsWithBadCommands.contains(empty.line) {
            fail(empty.line, "the step '\(empty.title)' has nothing in it")
        }
        // In line order; problems of the whole file (no line) last. The sort is stable.
        var ordered = problems.enumerated().sorted { a, b in
            (a.element.line ?? Int.max, a.offset) < (b.element.line ?? Int.max, b.offset)
        }.map(\.element)
        let (id, number) = identity(of: file)
        // The id names the lesson's output folder (Output/<id>), so it must be a plain name:
        // a file `01-...md` would otherwise send the lesson's pictures to `Output/..`.
        if let problem = Lesson.idProblem(id) { ordered.append(LessonError(file: name, line: nil, message: problem)) }
        guard ordered.isEmpty, let title else { return Reading(lesson: nil, problems: ordered) }
        return Reading(lesson: Lesson(id: id, number: number, title: title, introduction: introduction, steps: steps, file: file),
                       problems: [])
    }

    /// `03-encoder-only.md` → ("encoder-only", 3); `my-lesson.md` → ("my-lesson", nil).
    public static func identity(of file: URL) -> (id: String, number: Int?) {
        let stem = file.deletingPathExtension().lastPathComponent
        let digits = stem.prefix { $0.isNumber }
        guard !digits.isEmpty, stem.dropFirst(digits.count).first == "-" else { return (stem, nil) }
        return (String(stem.dropFirst(digits.count + 1)), Int(digits))
    }

    /// What an ```attnlab block's info string says its commands need: `attnlab needs=NAME` (several
    /// names comma-separated). A name is plain — letters, digits, `-`, `_` and `.`, not starting
    /// with `.` — since whoever answers whether it is there may look it up as a folder name.
    /// Anything else after `attnlab` is reported.
    private static func needed(by info: String, line: Int, fail: (Int?, String) -> Void) -> [String] {
        var needs: [String] = []
        for word in info.split(whereSeparator: \.isWhitespace).dropFirst() {
            guard word.hasPrefix("needs=") else {
                fail(line, "unknown '\(word)' after ```attnlab; a block can say what it needs, as ```attnlab needs=all-MiniLM-L6-v2")
                continue
            }
            for name in word.dropFirst("needs=".count).split(separator: ",", omittingEmptySubsequences: false) {
                let plain = name.first != "." && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
                guard !name.isEmpty, plain else {
                    fail(line, "needs='\(name)' is not a plain name (letters, digits, '-', '_' and '.', such as all-MiniLM-L6-v2)")
                    continue
                }
                needs.append(String(name))
            }
        }
        return needs
    }

    /// The commands of one ```attnlab block: one per line (a trailing backslash continues it),
    /// each starting with `attnlab`; blank lines and `#` comments are skipped. A line with a
    /// problem is reported through `fail` and left out; the others are still checked.
    private static func commands(_ body: [(String, Int)], needs: [String], fail: (Int?, String) -> Void,
                                 validate: Validator?) -> [Lesson.Command] {
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
            do { words = try ShellWords.split(text) } catch { fail(start, "\(error)"); continue }
            guard words.first == "attnlab", words.count > 1 else {
                fail(start, "each line of an attnlab block is one command starting with 'attnlab', got '\(text)'")
                continue
            }
            let arguments = Array(words.dropFirst())
            if let problem = validate?(arguments) { fail(start, problem); continue }
            result.append(Lesson.Command(text: text.trimmingCharacters(in: .whitespaces), arguments: arguments, line: start,
                                         needs: needs))
        }
        if let pending { fail(pending.line, "the command ends with '\\' but nothing follows") }
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

/// Control characters a terminal acts on (C0 but the tab, DEL, C1), and the bidirectional
/// embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069), which make a line
/// show in another order than it is read and run; line breaks are split off before.
func isTerminalControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar != "\t" && scalar != "\0" && (scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
        || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value))
}
