import ArgumentParser
import Classroom
import Foundation
import Reports
import Synchronization

/// Reports lesson problems on standard error, one line each (`attnlab: file:line: what`), by
/// noting all but the last and returning the last as the error that ends the command: the
/// command's own error line is then simply the last problem, with nothing else around it.
func lessonProblems(_ problems: [LessonError]) -> CLIError {
    for problem in problems.dropLast() { Console.note("attnlab: \(problem)") }
    return CLIError(problems.last?.description ?? "the lessons have problems")
}

/// `attnlab lessons`: what there is to learn.
struct LessonsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lessons",
        abstract: "List the lessons: id, title and number of steps.",
        discussion: """
            A teacher adds a lesson by dropping a Markdown file into Lessons/ (see Lessons/README.md). \
            Every lesson file is checked: good lessons are listed on standard output, and every problem \
            of a broken one goes to standard error, one line each as file:line: what is wrong. The exit \
            status is 0 when every lesson file is good, 1 when any has a problem or there are no lessons.
            """)

    @OptionGroup var source: LessonSource

    // `lesson --html` writes a lesson's page; this writes the page that links them.
    @Flag(name: .customLong("html"), help: "Also write Output/index.html (Output/<lang>/index.html for a translation), linking every lesson page written so far.")
    var writesIndex = false

    func run() throws {
        let library = try source.library()
        let english = try source.englishLibrary()
        Console.say("Lessons in \(library.folder.path):")
        let ids = Set(library.lessons.map(\.id))
        let untranslated = english?.lessons.filter { !ids.contains($0.id) } ?? []
        let width = (library.lessons + untranslated).map(\.id.count).max() ?? 0
        func list(_ lesson: Lesson) {
            let number = lesson.number.map { String(format: "%2d", $0) } ?? "  "
            let steps = "\(lesson.steps.count) step\(lesson.steps.count == 1 ? "" : "s")"
            Console.say("  \(number)  \(lesson.id.padding(toLength: width, withPad: " ", startingAt: 0))  \(lesson.title)  (\(steps))")
        }
        library.lessons.forEach(list)
        if !untranslated.isEmpty {
            Console.say("Not yet in '\(source.lang)', shown in English:")
            untranslated.forEach(list)
        }
        if let first = library.lessons.first {
            let lang = source.lang == LessonSource.english ? "" : " --lang \(source.lang)"
            Console.say("Run one with: attnlab lesson <id>\(lang)   (for example: attnlab lesson \(first.id)\(lang))")
        }
        if writesIndex { Console.say("wrote \(try source.writeIndexPage(library, english: english))") }
        if !library.problems.isEmpty { throw lessonProblems(library.problems) }
    }
}

/// `attnlab lesson ID`: step a class through one lesson.
struct LessonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lesson",
        abstract: "Step through a lesson: prose, then each command run live, with its pictures.",
        discussion: """
            In a terminal it waits after each step for one key: right arrow, space or Enter = next, left \
            arrow or b = back, a number = jump to that step (Enter after it when another digit could \
            follow), q = quit. Each step starts at the top of a cleared screen (not with --no-clear); \
            output longer than the screen waits at a "more" prompt (any key goes on, q skips the rest \
            of the step). Output is wrapped to the terminal's width, and the pictures a step draws are \
            also shown in the terminal: in colour, or in ASCII shades with NO_COLOR set or TERM=dumb. \
            With --all, or when input is not a terminal, it runs straight through. Pictures go to \
            Output/<lesson-id>/ unless --out says otherwise.

            A lesson's commands may write only inside that folder, may not start other programs and \
            may not ask for help; a lesson file with any problem is not run: each problem is printed \
            on standard error as file:line: what is wrong, and the exit status is 1. If a command \
            fails, the lesson stops there, also with status 1.
            """)

    /// Taken as any word at all, so that `lesson -1` is "no lesson '-1'", not a missing argument.
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("The lesson's id or number (see 'attnlab lessons').", valueName: "id"))
    var words: [String] = []

    /// The one lesson id or number given.
    var id: String { words.first ?? "" }

    @OptionGroup var source: LessonSource

    @Flag(help: "Run every step without waiting.")
    var all = false

    @Flag(help: "Do not clear the screen before each step (output scrolls as in a log).")
    var noClear = false

    @Flag(help: "Also write the lesson as a web page for the projector: index.html in its folder, with every command, what it printed and the pictures it drew (and refresh the page that links every lesson).")
    var html = false

    @Flag(help: "Write the page as one file with its pictures inside, to mail or copy anywhere (implies --html).")
    var standalone = false

    @Flag(help: "Keep in the page what differs from run to run: the times commands measure, and whether a model was trained now or reused. Without it the same lesson gives the same page.")
    var verbatim = false

    @OptionGroup var outFolder: OutFolderOption
    var out: String? { outFolder.out }

    @OptionGroup var seedOption: SeedOption
    var seed: UInt64? { seedOption.seed }

    func validate() throws {
        guard !words.isEmpty else { throw ValidationError("Missing expected argument '<id>'") }
        // Unknown options land here too: name them as the parser would have.
        for word in words where word.hasPrefix("--") || (word.hasPrefix("-") && word.count > 1 && Double(word) == nil) {
            throw ValidationError(CommandNames.attnlab?.problem(with: ["lesson", word]) ?? "unknown option '\(word)'")
        }
        if words.count > 1 {
            throw ValidationError("give one lesson id or number; got \(words.map { "'\($0)'" }.joined(separator: ", "))")
        }
    }

    func run() throws {
        let (lesson, note, library, english) = try findLesson()
        // Checked when the file was read; checked again because the id names a folder.
        if out == nil, let problem = Lesson.idProblem(lesson.id) {
            throw CLIError("\(lesson.file.lastPathComponent): \(problem)")
        }
        let folder = out ?? source.defaultFolder(for: lesson.id)
        try Paths.checkFolder(folder, option: "--out")
        let created = !FileManager.default.fileExists(atPath: folder)
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw CLIError("cannot create folder \(folder): \(error.localizedDescription)")
        }
        // Until something is in it, the folder goes if the lesson is stopped with Ctrl-C (the
        // list removes a folder with what it holds, so it is struck off as soon as a command wrote).
        if created { Cleanup.shared.register(folder, isFolder: true) }
        var keep = !created
        func keepOnceUsed() {
            if !keep, !((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).isEmpty {
                keep = true
                Cleanup.shared.unregister([folder])
            }
        }
        defer { if !keep { Cleanup.shared.unregister([folder]) } }

        let interactive = !all && isatty(STDIN_FILENO) != 0
        let name = lesson.file.lastPathComponent
        let text = TerminalText.forStandardOutput()
        // Each step on a cleared screen, paged to its height, when standard output is a terminal.
        let screen = TerminalText.terminalSize().map { size in
            Presenter.Screen(rows: size.rows, clears: !noClear && ProcessInfo.processInfo.environment["TERM"] != "dumb")
        }
        let keys = interactive && Keyboard.isTerminal(STDIN_FILENO)
        var failure: String?
        // A lesson not yet translated is framed in the language it is written in.
        let shownIn = note == nil ? source.lang : LessonSource.english
        let page = html || standalone ? LessonPageRecorder(folder: folder, language: shownIn) : nil
        let presenter = Presenter(
            lesson: lesson, text: text, interactive: interactive, screen: screen, input: keys ? .keys : .lines,
            write: { Console.sayFormatted($0) },   // the presenter styles it; lesson text has no control characters
            ask: { prompt in
                FileHandle.standardOutput.write(Data(prompt.utf8))
                return keys ? Self.readKey() : Swift.readLine()
            },
            run: { command in
                // What the command prints comes back to the presenter, to be wrapped and paged;
                // what it draws comes back as terminal pictures. Its progress lines and notes
                // still go to standard error as they come.
                let lines = Mutex<[String]>([]), drawn = DrawnPictures()
                let outer = Console.sinks
                let capture = Console.Sinks(out: { line in lines.withLock { $0 += line.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) } },
                                            err: outer.err, isStandard: outer.isStandard)
                let runLines = RunLines()
                let error = Console.$sinks.withValue(capture) {
                    RunContext.$drawn.withValue(drawn) {
                        RunContext.$runLines.withValue(runLines) {
                            RunContext.$columns.withValue(text.wrapsOutput ? text.columns : nil) {
                                Self.runCommand(command, of: lesson, in: folder, seed: seed)
                            }
                        }
                    }
                }
                keepOnceUsed()
                let output = lines.withLock { $0 }
                if let error { failure = error }
                page?.record(command, output: output, pictures: drawn.files, runLines: runLines, verbatim: verbatim,
                             error: error.map { "attnlab: \($0)" })
                return Presenter.CommandResult(succeeded: error == nil, output: output, pictures: drawn.terminalPictures(),
                                               // Interactive, the class carries on: the error is shown in place, as the command's own.
                                               error: error.map { "attnlab: \(name):\(command.line): \($0)" })
            },
            // A block that needs a model (```attnlab needs=NAME) is skipped when the models folder lacks it.
            missing: { ModelLocation.missing($0, language: shownIn) },
            words: .of(shownIn))
        let outcome = presenter.present()
        // A Ctrl-C that a command took in its stride (train saves its model, then stops) stops the
        // lesson as any Ctrl-C does: status 130, and no page of a lesson cut short.
        if Cleanup.interruptRequested {
            if let failure { Console.note("attnlab: \(failure)") }
            if !keep { rmdir(folder) }
            throw ExitCode(Cleanup.interruptedStatus)
        }
        if let page {
            // The page is written however the lesson ended: it shows what ran, and where it stopped.
            // The page of every lesson is refreshed only for the lessons it lists (not a --lessons
            // folder's), and a page links it only where it is: not from elsewhere, nor in a mailed file.
            let refreshesIndex = out == nil && source.lessons == nil
            let linked = out == nil && !standalone && (refreshesIndex || FileManager.default.fileExists(atPath: source.indexPage))
            Console.say("wrote \(try page.write(lesson, note: note, indexLink: linked ? "../index.html" : nil, standalone: standalone))")
            if refreshesIndex { Console.say("wrote \(try source.writeIndexPage(library, english: english))") }
            keepOnceUsed()
        }
        if case .failed(let line) = outcome {
            // A folder this run made and nothing was written into: not left behind.
            if !keep { rmdir(folder) }
            throw CLIError("\(name):\(line): \(failure ?? "this command failed"); the lesson stopped here")
        }
    }

    /// The lesson asked for, in the language asked for; a lesson not yet translated comes in
    /// English, with a note saying so (on standard error, and on its page). Also the lessons it
    /// was found among, for the page that links them all.
    private func findLesson() throws -> (Lesson, note: String?, library: LessonLibrary, english: LessonLibrary?) {
        let library = try source.library(), english = try source.englishLibrary()
        let problems = library.problems(for: id)
        if !problems.isEmpty { throw lessonProblems(problems) }
        if let lesson = library.lesson(id) { return (lesson, nil, library, english) }
        if let english {
            let problems = english.problems(for: id)
            if !problems.isEmpty { throw lessonProblems(problems) }
            if let lesson = english.lesson(id) {
                var note = "lesson '\(lesson.id)' has no '\(source.lang)' version yet; here it is in English"
                if source.lang == "zh" { note += "（这一课还没有中文版，下面是英文版）" }
                Console.note("note: \(note)")
                return (lesson, note, library, english)
            }
        }
        let known = library.lessons.map(\.id)
        let hint = library.nearest(to: id).map { "did you mean '\($0)'? " } ?? ""
        throw CLIError("no lesson '\(id)'; \(hint)known lessons: \(known.joined(separator: ", "))")
    }

    /// One key, read with the terminal in raw mode. Ctrl-C meanwhile is held (`Cleanup.shielded`)
    /// until the terminal's settings are back; then it removes what the lesson left half-made and
    /// exits with status 130, as it does anywhere else.
    static func readKey() -> String? {
        Cleanup.shielded {
            let key = Keyboard.readKey(STDIN_FILENO, interrupted: { Cleanup.interruptRequested })
            if Cleanup.interruptRequested { FileHandle.standardOutput.write(Data("\n".utf8)) }
            return key
        }
    }

    /// Runs one command of a lesson with the lesson's folder and seed; nil on success, else what
    /// went wrong, in one line without the `attnlab: ` prefix. The command is checked against
    /// the sandbox again first, in case the lesson did not come from a file checked when it was
    /// loaded, and its output paths are followed on the disk, in case a link in the folder leads
    /// out of it: a refused command is not run.
    ///
    /// The command's standard error is passed through as it comes, but for its error line
    /// (`attnlab: …`), which is returned instead, so that the lesson reports it once, with the
    /// file and line of the command. Standard output goes where it went.
    static func runCommand(_ command: Lesson.Command, of lesson: Lesson, in folder: String, seed: UInt64?) -> String? {
        if let refused = LessonSandbox.problem(with: command.arguments) { return refused }
        if let refused = LessonSandbox.linkProblem(with: command.arguments, in: folder) { return refused }
        let outer = Console.sinks
        let errors = FinalErrorLine(passOn: outer.err)
        let sinks = Console.Sinks(out: outer.out, err: errors.take, isStandard: outer.isStandard)
        let status = Console.$sinks.withValue(sinks) {
            RunContext.$outputFolder.withValue(folder) {
                RunContext.$seed.withValue(seed ?? RunContext.seed) {
                    Attnlab.execute(LessonSandbox.normalizingOutputPaths(command.arguments))
                }
            }
        }
        let last = errors.finish(failed: status != 0)
        return status == 0 ? nil : last ?? "this command failed (exit status \(status))"
    }
}

/// Passes a command's standard error lines on as they come, but for its error line: an
/// `attnlab: ` line is held until another line comes, since it may be the command's last word.
/// At the end the held line is passed on if the command succeeded, or handed back (without its
/// `attnlab: `) for the lesson to report once, with the file and line of the command.
final class FinalErrorLine: Sendable {
    private let held = Mutex<String?>(nil)
    private let passOn: Console.Sink

    init(passOn: @escaping Console.Sink) { self.passOn = passOn }

    @Sendable func take(_ line: String) {
        let previous = held.withLock { held in
            defer { held = line.hasPrefix("attnlab: ") ? line : nil }
            return held
        }
        if let previous { passOn(previous) }
        if !line.hasPrefix("attnlab: ") { passOn(line) }
    }

    /// The command's error without `attnlab: ` when it failed; otherwise the held line is passed on.
    func finish(failed: Bool) -> String? {
        guard let last = held.withLock({ held in defer { held = nil }; return held }) else { return nil }
        if !failed { passOn(last); return nil }
        return String(last.dropFirst("attnlab: ".count))
    }
}
