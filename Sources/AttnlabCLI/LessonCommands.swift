import ArgumentParser
import Classroom
import Foundation
import Reports

/// Where to look for lessons, shared by `lessons` and `lesson`.
struct LessonSource: ParsableArguments {
    @Option(help: ArgumentHelp("Read lessons from this folder (default: ./Lessons, else the copy built into attnlab).", valueName: "dir"))
    var lessons: String?

    func library() throws -> LessonLibrary {
        do {
            return LessonLibrary(folder: try LessonLibrary.locate(explicit: lessons), validate: Attnlab.problem(with:))
        } catch let error as LessonError {
            throw CLIError(error.description)
        }
    }
}

/// `attnlab lessons`: what there is to learn.
struct LessonsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lessons",
        abstract: "List the lessons: id, title and number of steps.",
        discussion: "A teacher adds a lesson by dropping a Markdown file into Lessons/ (see Lessons/README.md).")

    @OptionGroup var source: LessonSource

    func run() throws {
        let library = try source.library()
        Console.say("Lessons in \(library.folder.path):")
        let width = library.lessons.map(\.id.count).max() ?? 0
        for lesson in library.lessons {
            let number = lesson.number.map { String(format: "%2d", $0) } ?? "  "
            Console.say("  \(number)  \(lesson.id.padding(toLength: width, withPad: " ", startingAt: 0))  \(lesson.title)  (\(lesson.steps.count) steps)")
        }
        Console.say("Run one with: attnlab lesson <id>   (for example: attnlab lesson \(library.lessons.first?.id ?? "masks"))")
        if !library.problems.isEmpty {
            throw CLIError(library.problems.map(\.description).joined(separator: "; "))
        }
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
            """)

    @Argument(help: "The lesson's id or number (see 'attnlab lessons').")
    var id: String

    @OptionGroup var source: LessonSource

    @Flag(help: "Run every step without waiting.")
    var all = false

    @Option(help: ArgumentHelp("Where the lesson's pictures and files go (default Output/<lesson-id>/).", valueName: "dir"))
    var out: String?

    @Option(help: "The seed of every model the lesson builds (commands that name their own keep it). Default 0.")
    var seed: UInt64?

    func run() throws {
        let library = try source.library()
        if let problem = library.problem(for: id) { throw CLIError(problem.description) }
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
            write: { Console.say($0) },
            ask: { prompt in
                FileHandle.standardOutput.write(Data(prompt.utf8))
                return Swift.readLine()
            },
            run: { command in
                RunContext.$outputFolder.withValue(folder) {
                    RunContext.$seed.withValue(seed ?? RunContext.seed) { Attnlab.execute(command.arguments) == 0 }
                }
            })
        if case .failed(let line) = presenter.present() {
            throw CLIError("\(lesson.file.lastPathComponent):\(line): this command failed, so the lesson stopped here")
        }
    }
}
