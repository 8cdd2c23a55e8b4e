import ArgumentParser
import Classroom
import Foundation
import Reports

/// Where to look for lessons, shared by `lessons` and `lesson`.
struct LessonSource: ParsableArguments {
    @Option(help: ArgumentHelp("Read lessons from this folder (default: ./Lessons, else the copy built into attnlab).", valueName: "dir"))
    var lessons: String?

    /// The lessons, every command checked (Attnlab.problem); an empty folder is an error.
    func library() throws -> LessonLibrary {
        let library: LessonLibrary
        do {
            library = LessonLibrary(folder: try LessonLibrary.locate(explicit: lessons), validate: Attnlab.problem(with:))
        } catch let error as LessonError {
            throw CLIError(error.description)
        }
        if library.isEmpty {
            throw CLIError("no lessons in \(library.folder.path): add a Markdown file there, such as 01-first.md with a "
                + "'# Title' line and a '## Step' heading (see Lessons/README.md)")
        }
        return library
    }
}

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

    func run() throws {
        let library = try source.library()
        Console.say("Lessons in \(library.folder.path):")
        let width = library.lessons.map(\.id.count).max() ?? 0
        for lesson in library.lessons {
            let number = lesson.number.map { String(format: "%2d", $0) } ?? "  "
            Console.say("  \(number)  \(lesson.id.padding(toLength: width, withPad: " ", startingAt: 0))  \(lesson.title)  (\(lesson.steps.count) steps)")
        }
        if let first = library.lessons.first {
            Console.say("Run one with: attnlab lesson <id>   (for example: attnlab lesson \(first.id))")
        }
        if !library.problems.isEmpty { throw lessonProblems(library.problems) }
    }
}

/// `attnlab lesson ID`: step a class through one lesson.
struct LessonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lesson",
        abstract: "Step through a lesson: prose, then each command run live, with its pictures.",
        discussion: """
            In a terminal it waits after each step: Enter = next, b = back, a number = jump to that step, \
            q = quit. With --all, or when input is not a terminal, it runs straight through. Pictures go \
            to Output/<lesson-id>/ unless --out says otherwise.

            A lesson's commands may write only inside that folder, may not start other programs and \
            may not ask for help; a lesson file with any problem is not run: each problem is printed \
            on standard error as file:line: what is wrong, and the exit status is 1. If a command \
            fails, the lesson stops there, also with status 1.
            """)

    @Argument(help: "The lesson's id or number (see 'attnlab lessons').")
    var id: String

    @OptionGroup var source: LessonSource

    @Flag(help: "Run every step without waiting.")
    var all = false

    @OptionGroup var outFolder: OutFolderOption
    var out: String? { outFolder.out }

    @OptionGroup var seedOption: SeedOption
    var seed: UInt64? { seedOption.seed }

    func run() throws {
        let library = try source.library()
        let problems = library.problems(for: id)
        if !problems.isEmpty { throw lessonProblems(problems) }
        guard let lesson = library.lesson(id) else {
            let hint = library.nearest(to: id).map { "did you mean '\($0)'? " } ?? ""
            throw CLIError("no lesson '\(id)'; \(hint)known lessons: \(library.lessons.map(\.id).joined(separator: ", "))")
        }
        let folder = out ?? "Output/\(lesson.id)"
        try Paths.checkFolder(folder, option: "--out")
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw CLIError("cannot create folder \(folder): \(error.localizedDescription)")
        }
        let interactive = !all && isatty(STDIN_FILENO) != 0
        let presenter = Presenter(
            lesson: lesson, text: .forStandardOutput(), interactive: interactive,
            write: { Console.sayFormatted($0) },   // the presenter styles it; lesson text has no control characters
            ask: { prompt in
                FileHandle.standardOutput.write(Data(prompt.utf8))
                return Swift.readLine()
            },
            run: { command in Self.runCommand(command, of: lesson, in: folder, seed: seed) })
        if case .failed(let line) = presenter.present() {
            throw CLIError("\(lesson.file.lastPathComponent):\(line): this command failed, so the lesson stopped here")
        }
    }

    /// Runs one command of a lesson with the lesson's folder and seed; true on success. The
    /// command is checked against the sandbox again first, in case the lesson did not come from
    /// a file checked when it was loaded: a refused command is reported and not run.
    static func runCommand(_ command: Lesson.Command, of lesson: Lesson, in folder: String, seed: UInt64?) -> Bool {
        if let refused = LessonSandbox.problem(with: command.arguments) {
            Console.note("attnlab: \(lesson.file.lastPathComponent):\(command.line): \(refused)")
            return false
        }
        return RunContext.$outputFolder.withValue(folder) {
            RunContext.$seed.withValue(seed ?? RunContext.seed) {
                Attnlab.execute(LessonSandbox.normalizingOutputPaths(command.arguments)) == 0
            }
        }
    }
}
