import Foundation
import Testing
@testable import Classroom

let file = URL(fileURLWithPath: "/lessons/07-demo.md")

@Suite struct LessonParserTests {
    @Test func titleStepsProseAndCommands() throws {
        let text = """
            # A demo

            Intro words.

            ## First
            Some **prose**.

            ```attnlab
            # a comment
            attnlab mask causal --len 4
            attnlab trace --text "the cat" \\
                --arch encoder-only
            ```

            ## Second
            ```text
            shown as is
            ```
            """
        let lesson = try LessonParser.parse(text, file: file)
        #expect(lesson.id == "demo" && lesson.number == 7 && lesson.title == "A demo")
        #expect(lesson.introduction == [.prose("Intro words.")])
        #expect(lesson.steps.map(\.title) == ["First", "Second"])
        #expect(lesson.commands.map(\.arguments) == [["mask", "causal", "--len", "4"],
                                                     ["trace", "--text", "the cat", "--arch", "encoder-only"]])
        #expect(lesson.commands.map(\.line) == [10, 11])
        #expect(lesson.steps[1].blocks == [.literal("shown as is")])
    }

    @Test(arguments: [
        ("Intro without a title\n## Step\nx", 1, "starts with its title"),
        ("# T\n## Step\n```attnlab\nattnlab mask causal --len 3\n", 3, "never closed"),
        ("# T\n## Step\n```attnlab\nls -la\n```", 4, "starting with 'attnlab'"),
        ("# T\n## Step\n```attnlab\nattnlab frobnicate\n```", 4, "unknown command"),
        ("# T\n## Step\n```attnlab\nattnlab trace --text \"open\n```", 4, "quote"),
        ("# T\n## Empty\n## Full\nwords", 2, "has nothing in it"),
        ("# T\n# Another title\n## S\nx", 2, "one '# Title'"),
    ])
    func errorsNameTheFileAndLine(text: String, line: Int, words: String) {
        let validate: LessonParser.Validator = { $0.first == "frobnicate" ? "unknown command 'frobnicate'" : nil }
        do {
            _ = try LessonParser.parse(text, file: file, validate: validate)
            Issue.record("no error for \(text)")
        } catch let error as LessonError {
            #expect(error.file == "07-demo.md" && error.line == line, "\(error)")
            #expect(error.description.hasPrefix("07-demo.md:\(line): "))
            #expect(error.message.contains(words), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// Every problem of a file is reported, each with its own line, not only the first.
    @Test func readingReportsEveryProblemOfAFile() {
        let text = """
            # T
            ## Empty
            ## Full
            ```attnlab
            attnlab frobnicate
            attnlab mask causal --len 3
            ls -la
            attnlab trace --text "open
            ```
            # Second title
            ```attnlab
            attnlab frobnicate --twice \\
            ```
            ## Also empty
            """
        let validate: LessonParser.Validator = { $0.first == "frobnicate" ? "unknown command 'frobnicate'" : nil }
        let reading = LessonParser.read(text, file: file, validate: validate)
        #expect(reading.lesson == nil)
        #expect(reading.problems.map(\.line) == [2, 5, 7, 8, 10, 12, 14], "\(reading.problems)")
        #expect(reading.problems.allSatisfy { $0.file == "07-demo.md" })
        #expect(reading.problems.map(\.message).map { $0.prefix(14) } == [
            "the step 'Empt", "unknown comman", "each line of a", "a quote is ope", "a lesson has o",
            "the command en", "the step 'Also"])
        // parse throws the first of them
        #expect(throws: LessonError(file: "07-demo.md", line: 2, message: "the step 'Empty' has nothing in it")) {
            try LessonParser.parse(text, file: file, validate: validate)
        }
    }

    @Test func aFileWithoutTitleOrStepsReportsBoth() {
        let reading = LessonParser.read("words\nmore words\n", file: file)
        #expect(reading.problems.map(\.description) == [
            "07-demo.md:1: a lesson starts with its title, a line '# Title'",
            "07-demo.md: a lesson needs at least one step, a '## ' heading"])
        #expect(LessonParser.read("\n  \n", file: file).problems.map(\.message) == ["the file is empty; a lesson starts with a line '# Title'"])
    }

    @Test func aGoodFileHasNoProblems() {
        let reading = LessonParser.read("# T\n## S\n```attnlab\nattnlab mask causal --len 3\n```\n", file: file)
        #expect(reading.problems.isEmpty && reading.lesson?.commands.count == 1)
    }

    @Test func noStepsIsAnError() {
        #expect(throws: LessonError.self) { try LessonParser.parse("# Only a title\nand words", file: file) }
        #expect(throws: LessonError.self) { try LessonParser.parse("", file: file) }
    }

    @Test func windowsLineEndingsParseWithTheirLineNumbers() throws {
        let lesson = try LessonParser.parse("# T\r\n\r\n## S\r\n```attnlab\r\nattnlab mask causal --len 3\r\n```\r\n", file: file)
        #expect(lesson.title == "T" && lesson.commands.first?.arguments == ["mask", "causal", "--len", "3"])
        #expect(lesson.commands.first?.line == 5)
    }

    /// The id names the lesson's output folder: `01-...md` must not become `Output/..`.
    @Test(arguments: [
        ("01-...md", "the lesson id '..' (from the file name) starts with '.'"),
        ("02-..md", "the lesson id '.' (from the file name) starts with '.'"),
        ("03-.md", "the lesson id '' (from the file name) is empty"),
        (".hidden.md", "the lesson id '.hidden' (from the file name) starts with '.'"),
        ("04-a b.md", "the lesson id 'a b' (from the file name) has a space in it"),
        ("05-a.b.md", "the lesson id 'a.b' (from the file name) has '.' in it"),
        ("06-a\u{202E}b.md", "the lesson id 'a\\u{202E}b' (from the file name) has '\\u{202E}' in it"),
    ])
    func idsThatCannotNameAFolderAreRefused(name: String, expected: String) {
        let reading = LessonParser.read("# T\n## S\nwords\n", file: URL(fileURLWithPath: "/lessons").appendingPathComponent(name))
        #expect(reading.lesson == nil)
        #expect(reading.problems.count == 1 && reading.problems.first?.file == name && reading.problems.first?.line == nil, "\(reading.problems)")
        #expect(reading.problems.first?.message.hasPrefix(expected) == true, "\(reading.problems)")
    }

    @Test func plainIdsAreAllowed() {
        for name in ["01-masks.md", "kv_cache-2.md", "07-café.md", "2.md"] {
            let reading = LessonParser.read("# T\n## S\nwords\n", file: URL(fileURLWithPath: "/lessons/\(name)"))
            #expect(reading.problems.isEmpty, "\(name): \(reading.problems)")
        }
    }

    /// Direction controls make a line show in another order than it is read: refused like ESC.
    @Test(arguments: [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069] as [UInt32])
    func bidiControlsAreRefused(value: UInt32) throws {
        let scalar = try #require(Unicode.Scalar(value))
        let text = "# T\n## S\nsafe \(Character(scalar))words\n"
        let reading = LessonParser.read(text, file: file)
        #expect(reading.lesson == nil)
        #expect(reading.problems.map(\.description) == ["07-demo.md:3: contains the control character U+\(String(format: "%04X", value)); lessons are plain text"])
    }

    @Test func shellWords() throws {
        #expect(try ShellWords.split(#"a "b c" 'd "e"' f\ g"#) == ["a", "b c", #"d "e""#, "f g"])
        #expect(try ShellWords.split(#"--text "" x"#) == ["--text", "", "x"])
        #expect(throws: ShellWords.Unbalanced.self) { try ShellWords.split("'open") }
    }
}

@Suite struct LibraryTests {
    @Test func findsLessonsByIdOrNumberAndSuggestsTheNearest() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attnlab-library-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "# Masks\n## S\nx".write(to: folder.appendingPathComponent("02-masks.md"), atomically: true, encoding: .utf8)
        try "# Rank\n## S\nx".write(to: folder.appendingPathComponent("09-rank.md"), atomically: true, encoding: .utf8)
        try "not a lesson".write(to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        try "# Broken\n".write(to: folder.appendingPathComponent("05-broken.md"), atomically: true, encoding: .utf8)
        let library = LessonLibrary(folder: folder)
        #expect(library.lessons.map(\.id) == ["masks", "rank"])
        #expect(library.problems.map(\.file) == ["05-broken.md"] && library.problem(for: "broken") != nil && library.problem(for: "5") != nil)
        #expect(library.problems(for: "masks").isEmpty && !library.isEmpty)
        #expect(library.lesson("9")?.id == "rank" && library.lesson("masks")?.title == "Masks")
        #expect(library.lesson("mask") == nil && library.nearest(to: "mask") == "masks")
        #expect(try LessonLibrary.locate(explicit: folder.path).standardizedFileURL.path == folder.standardizedFileURL.path)
    }

    private func folder(_ name: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attnlab-library-\(name)-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func twoFilesWithTheSameNumberAreAProblem() throws {
        let folder = try folder("same-number")
        defer { try? FileManager.default.removeItem(at: folder) }
        try "# A\n## S\nx".write(to: folder.appendingPathComponent("01-a.md"), atomically: true, encoding: .utf8)
        try "# B\n## S\nx".write(to: folder.appendingPathComponent("01-b.md"), atomically: true, encoding: .utf8)
        try "# C\n## S\nx".write(to: folder.appendingPathComponent("1-c.md"), atomically: true, encoding: .utf8)
        let library = LessonLibrary(folder: folder)
        #expect(library.lessons.map(\.id) == ["a"])
        #expect(library.problems.map(\.description) == [
            "01-b.md: has the same number 1 as 01-a.md; give each lesson its own number",
            "1-c.md: has the same number 1 as 01-a.md; give each lesson its own number"])
        #expect(!library.problems(for: "1").isEmpty, "lesson 1 must not pick one silently")
    }

    @Test func whatIsNotALessonFileSaysWhatItIs() throws {
        let folder = try folder("not-files")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("01-folder.md"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("02-dangling.md").path, withDestinationPath: "/nonexistent/x.md")
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("03-to-folder.md").path, withDestinationPath: "/tmp")
        #expect(mkfifo(folder.appendingPathComponent("04-pipe.md").path, 0o600) == 0)
        try Data([0xFF, 0xFE, 0x00]).write(to: folder.appendingPathComponent("05-binary.md"))
        let library = LessonLibrary(folder: folder)   // a named pipe must not be read (it would wait forever)
        #expect(library.problems.map(\.description) == [
            "01-folder.md: is a folder, not a lesson file",
            "02-dangling.md: is a link to /nonexistent/x.md that leads nowhere (the file it names does not exist)",
            "03-to-folder.md: is a link to a folder, not a lesson file",
            "04-pipe.md: is a device, pipe or socket, not a lesson file",
            "05-binary.md: cannot be read as UTF-8 text"])
    }

    @Test func locateRefusesAnEmptyPathAndSaysWhenItIsAFile() throws {
        #expect(throws: LessonError(file: "--lessons", line: nil, message: "the path is empty; give the folder the lessons are in")) {
            try LessonLibrary.locate(explicit: "")
        }
        #expect(throws: LessonError(file: "/etc/passwd", line: nil, message: "is a file, not a folder; give the folder the lessons are in (such as Lessons)")) {
            try LessonLibrary.locate(explicit: "/etc/passwd")
        }
        #expect(throws: LessonError(file: "/nonexistent", line: nil, message: "no such folder of lessons")) {
            try LessonLibrary.locate(explicit: "/nonexistent")
        }
    }

    @Test func aNumberIsNotAMisspeltId() throws {
        let folder = try folder("nearest")
        defer { try? FileManager.default.removeItem(at: folder) }
        try "# Rank\n## S\nx".write(to: folder.appendingPathComponent("09-rank.md"), atomically: true, encoding: .utf8)
        let library = LessonLibrary(folder: folder)
        #expect(library.nearest(to: "99") == nil && library.nearest(to: "-1") == nil && library.nearest(to: "rnak") == "rank")
    }

    @Test func theBundledCopyIsFoundFromAnyFolder() throws {
        let elsewhere = FileManager.default.temporaryDirectory
        let located = try LessonLibrary.locate(explicit: nil, workingDirectory: elsewhere)
        #expect(located.path.contains(".resources"))
        #expect(!LessonLibrary(folder: located).lessons.isEmpty)
    }
}
