import Foundation
import Testing
@testable import AttnlabCLI
@testable import Classroom

/// A lesson is untrusted input: what its commands may do, and how each mistake is reported.
@Suite struct LessonSandboxTests {
    // MARK: the check on its own

    @Test(arguments: [
        ("/tmp/x.png", "absolute path"),
        ("../x.png", "goes above the lesson's folder"),
        ("a/../../x.png", "goes above the lesson's folder"),
        ("./../x", "goes above the lesson's folder"),
        ("../lesson/x.png", "goes above the lesson's folder"),   // out and back in is still out
        ("~/x.png", "starts with '~'"),
        ("~", "starts with '~'"),
        ("a\0b.png", "NUL"),
    ])
    func outputPathsOutsideTheFolderAreRefused(path: String, why: String) {
        let problem = LessonSandbox.outputPathProblem(path)
        #expect(problem?.contains(why) == true, "\(path): \(problem ?? "allowed")")
    }

    @Test(arguments: ["x.png", "a/../b.png", "a/b/../../c.png", "./x.png", "deep/er/x.png", "", ".", "..x.png", "a..b"])
    func outputPathsInsideTheFolderAreAllowed(path: String) {
        #expect(LessonSandbox.outputPathProblem(path) == nil, "\(path)")
    }

    @Test(arguments: [
        (["mask", "causal", "--len", "4", "--png", "/tmp/x.png"], "--png '/tmp/x.png'"),
        (["mask", "causal", "--len", "4", "--png=../x.png"], "--png '../x.png'"),
        (["trace", "--text", "hi", "--npy", "a/../../x"], "--npy 'a/../../x'"),
        (["trace", "--text", "hi", "--npy=~/arrays"], "--npy '~/arrays'"),
        (["mask", "causal", "--len", "4", "--png", "ok.png", "--png", "/etc/x.png"], "--png '/etc/x.png'"),  // every occurrence
        (["future", "--html", "/tmp/page.html"], "--html '/tmp/page.html'"),
        (["mask", "causal", "--len", "4", "--png", "x\0.png"], "'x\\0.png' contains a NUL byte"),
        (["trace", "--text", "a\0b"], "'a\\0b' contains a NUL byte"),
        (["bench", "--torch"], "--torch starts another program"),
        (["bench", "--torch-script", "x.py"], "--torch-script starts another program"),
        (["bench", "--torch-script=x.py"], "--torch-script starts another program"),
        (["bench", "--pictures", "--matplotlib"], "--matplotlib starts another program"),
        (["bench", "--pictures", "--matplotlib-script", "m.py"], "--matplotlib-script starts another program"),
        (["trace", "--model", "/etc", "--ids", "1"], "--model reads a folder anywhere on the machine"),
        (["mask", "--help"], "only shows help"),
        (["mask", "causal", "-h"], "leave out '-h'"),
        (["help", "mask"], "only shows help"),
        (["--version"], "only shows the version"),
        (["lesson", "masks"], "cannot run another lesson"),
        (["lessons"], "cannot run another lesson"),
    ])
    func theSandboxRefusesAndNamesTheInput(arguments: [String], expected: String) {
        let problem = LessonSandbox.problem(with: arguments)
        #expect(problem?.contains(expected) == true, "\(arguments): \(problem ?? "allowed")")
    }

    @Test func ordinaryCommandsPass() {
        for arguments in [["mask", "causal", "--len", "4", "--png", "causal.png"],
                          ["mask", "causal", "--len", "4", "--png=pictures/causal.png"],
                          ["trace", "--text", "the cat", "--png", "--draw", "layers"],
                          ["trace", "--text", "the cat", "--png"],
                          ["bench", "--pictures", "--runs", "1"]] {
            #expect(LessonSandbox.problem(with: arguments) == nil, "\(arguments)")
            #expect(Attnlab.problem(with: arguments) == nil, "\(arguments)")
        }
    }

    @Test func outputPathsAreHandedOverWithoutDots() {
        #expect(LessonSandbox.normalizingOutputPaths(["mask", "--png", "a/../b.png", "--len", "4"]) == ["mask", "--png", "b.png", "--len", "4"])
        #expect(LessonSandbox.normalizingOutputPaths(["trace", "--npy=./x/../y", "--text", "a/../b"]) == ["trace", "--npy=y", "--text", "a/../b"])
        #expect(LessonSandbox.normalizingOutputPaths(["trace", "--png", "--draw", "heads"]) == ["trace", "--png", "--draw", "heads"])
        #expect(LessonSandbox.normalized("a/..") == "." && LessonSandbox.normalized("") == "")
    }

    @Test(arguments: [
        (["maks", "causal", "--len", "4"], "unknown command 'maks'; did you mean 'mask'?"),
        (["mask", "causal", "--lenn", "4"], "unknown option '--lenn' for 'mask'; did you mean '--len'?"),
        (["mask", "causal", "--lenn=4"], "unknown option '--lenn' for 'mask'"),
        (["check", "causalty"], "unknown command 'causalty' for 'check'; did you mean 'causality'?"),
        (["check", "causality", "--postion", "3"], "unknown option '--postion' for 'check causality'; did you mean '--position'?"),
        (["check"], "'check' needs one of its commands: causality, teacher-forcing"),
        (["frobnicate"], "unknown command 'frobnicate'; the commands are "),
        (["--png", "x.png"], "expected a command before any option, got '--png'"),
        (["trace", "--png", "--draww", "heads"], "unknown option '--draww' for 'trace'"),
    ])
    func namesAreCheckedAsWritten(arguments: [String], expected: String) {
        let problem = Attnlab.problem(with: arguments)
        #expect(problem == expected || problem?.hasPrefix(expected) == true, "\(arguments): \(problem ?? "accepted")")
    }

    @Test func valuesThatLookLikeNumbersAreNotOptions() {
        #expect(CommandNames.attnlab?.problem(with: ["mask", "prefix-lm", "--len", "4", "--prefix", "-1"]) == nil)
        #expect(CommandNames.attnlab?.problem(with: ["trace", "--ids", "1", "2", "3", "--", "--whatever"]) == nil)
    }

    /// The names come from the parser's description of itself: every command is there.
    @Test func everyCommandIsKnown() throws {
        let names = try #require(CommandNames.attnlab)
        #expect(Set(names.root.subcommands.map(\.name)) == Set(Attnlab.configuration.subcommands.map { $0.configuration.commandName ?? "" }))
        #expect(names.root.subcommands.first { $0.name == "mask" }?.options["--len"] == true)
        #expect(names.root.subcommands.first { $0.name == "trace" }?.options["--scores"] == false)
    }

    /// Guards the lists against a new option: any option taking a file or folder must be an
    /// output (checked), a program's script or a checkpoint (refused), or where lessons are read from.
    @Test func everyPathOptionIsInOneOfTheLists() throws {
        let data = Data(Attnlab._dumpHelp().utf8)
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var pathOptions: Set<String> = []
        func walk(_ command: [String: Any]) {
            for argument in command["arguments"] as? [[String: Any]] ?? [] where argument["kind"] as? String == "option" {
                let names = (argument["names"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                let value = argument["valueName"] as? String ?? ""
                if ["file", "dir", "path"].contains(value) || names.contains(where: { $0.contains("script") }) {
                    pathOptions.formUnion(names.map { "--" + $0 })
                }
            }
            (command["subcommands"] as? [[String: Any]] ?? []).forEach(walk)
        }
        walk(try #require(root["command"] as? [String: Any]))
        #expect(!pathOptions.isEmpty)
        let allowed = LessonSandbox.outputOptions.union(LessonSandbox.programOptions).union(LessonSandbox.readOptions)
            .union(["--lessons"])
        #expect(pathOptions.subtracting(allowed).isEmpty, "options that take a path but are not checked: \(pathOptions.subtracting(allowed))")
    }

    // MARK: through `attnlab lessons` and `attnlab lesson`, from files

    /// One lesson file whose line 4 is `command`.
    private func lessonFolder(_ command: String, name: String = #function) throws -> URL {
        let folder = try temporaryFolder(name)
        try "# Lesson\n## Step\n```attnlab\n\(command)\n```\n"
            .write(to: folder.appendingPathComponent("01-lesson.md"), atomically: true, encoding: .utf8)
        return folder
    }

    @Test(arguments: [
        ("attnlab mask causal --len 4 --png /tmp/attnlab-escape.png", "--png '/tmp/attnlab-escape.png': is an absolute path"),
        ("attnlab mask causal --len 4 --png ../escape.png", "--png '../escape.png': goes above the lesson's folder"),
        ("attnlab mask causal --len 4 --png=../escape.png", "--png '../escape.png': goes above the lesson's folder"),
        ("attnlab trace --text hi --npy a/../../escape", "--npy 'a/../../escape': goes above"),
        ("attnlab mask causal --len 4 --png ~/escape.png", "--png '~/escape.png': starts with '~'"),
        ("attnlab mask causal --len 4 --png \"x\u{0}.png\"", "the argument 'x\\0.png' contains a NUL byte"),
        ("attnlab bench --torch", "--torch starts another program"),
        ("attnlab bench --torch-script x.py", "--torch-script starts another program"),
        ("attnlab bench --pictures --matplotlib", "--matplotlib starts another program"),
        ("attnlab mask causal --len 4 --help", "'attnlab mask causal --len 4 --help' only shows help"),
        ("attnlab maks causal --len 4", "unknown command 'maks'; did you mean 'mask'?"),
        ("attnlab mask causal --lenn 4", "unknown option '--lenn' for 'mask'; did you mean '--len'?"),
    ])
    func aRefusedLineIsReportedWithFileAndLineAndNotRun(command: String, expected: String) throws {
        let folder = try lessonFolder(command, name: "refused-\(UInt(bitPattern: command.hashValue))")
        let listed = attnlab("lessons", "--lessons", folder.path)
        #expect(listed.status == 1)
        #expect(listed.err == ["attnlab: 01-lesson.md:4: " + expected] || listed.err.first?.hasPrefix("attnlab: 01-lesson.md:4: " + expected) == true,
                "\(listed.err)")
        let out = folder.appendingPathComponent("out")
        let run = attnlab("lesson", "lesson", "--all", "--lessons", folder.path, "--out", out.path)
        #expect(run.status == 1)
        #expect(run.err.count == 1 && run.err.first?.hasPrefix("attnlab: 01-lesson.md:4: " + expected) == true, "\(run.err)")
        #expect(!run.out.contains { $0.hasPrefix("$ ") }, "a refused lesson must not start: \(run.out)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("../escape.png").standardizedFileURL.path))
    }

    @Test func aPathThatComesBackInsideRunsAndLandsInTheFolder() throws {
        let folder = try lessonFolder("attnlab mask causal --len 4 --png pictures/../causal.png")
        let out = folder.appendingPathComponent("out")
        let run = attnlab("lesson", "lesson", "--all", "--lessons", folder.path, "--out", out.path)
        #expect(run.status == 0, "\(run.err)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("causal.png").path))
    }

    @Test func everyProblemOfEveryFileIsReportedOnItsOwnLine() throws {
        let folder = try temporaryFolder()
        try """
            # Many mistakes
            ## One
            ```attnlab
            attnlab maks causal --len 4
            attnlab mask causal --len 4 --png ../up.png
            attnlab mask causal --len 4
            attnlab bench --torch
            ```
            ## Empty
            ## Two
            ```attnlab
            attnlab mask causal --lenn 4
            ```
            """.write(to: folder.appendingPathComponent("01-many.md"), atomically: true, encoding: .utf8)
        try "# Also broken\n## S\n```attnlab\nattnlab trace --arch sideways --text hi\nattnlab --help\n```\n"
            .write(to: folder.appendingPathComponent("02-also.md"), atomically: true, encoding: .utf8)
        try "# Fine\n## Step\nwords\n".write(to: folder.appendingPathComponent("03-fine.md"), atomically: true, encoding: .utf8)
        let expected = [
            "attnlab: 01-many.md:4: unknown command 'maks'",
            "attnlab: 01-many.md:5: --png '../up.png'",
            "attnlab: 01-many.md:7: --torch starts another program",
            "attnlab: 01-many.md:9: the step 'Empty' has nothing in it",
            "attnlab: 01-many.md:12: unknown option '--lenn' for 'mask'",
            "attnlab: 02-also.md:4: ",
            "attnlab: 02-also.md:5: 'attnlab --help' only shows help",
        ]
        func matches(_ lines: [String], _ prefixes: [String]) -> Bool {
            lines.count == prefixes.count && zip(lines, prefixes).allSatisfy { $0.hasPrefix($1) }
        }
        let listed = attnlab("lessons", "--lessons", folder.path)
        #expect(listed.status == 1)
        #expect(matches(listed.err, expected), "\(listed.err)")
        #expect(listed.out.contains { $0.contains("fine") } && !listed.out.contains { $0.contains("many") })

        let many = attnlab("lesson", "many", "--all", "--lessons", folder.path)
        #expect(many.status == 1)
        #expect(matches(many.err, Array(expected.prefix(5))), "\(many.err)")
        let also = attnlab("lesson", "2", "--all", "--lessons", folder.path)
        #expect(also.status == 1 && matches(also.err, Array(expected.suffix(2))), "\(also.err)")
        #expect(attnlab("lesson", "fine", "--all", "--lessons", folder.path, "--out", folder.appendingPathComponent("o").path).status == 0)
    }

    @Test func anEmptyFolderSaysSoPlainly() throws {
        let folder = try temporaryFolder()
        try "not a lesson".write(to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        for result in [attnlab("lessons", "--lessons", folder.path), attnlab("lesson", "masks", "--all", "--lessons", folder.path)] {
            #expect(result.status == 1)
            #expect(result.err == ["attnlab: no lessons in \(folder.path): add a Markdown file there, such as 01-first.md "
                + "with a '# Title' line and a '## Step' heading (see Lessons/README.md)"], "\(result.err)")
            #expect(!result.out.contains { $0.hasPrefix("Run one with") })
        }
    }

    /// Defence in depth: a lesson made in code, never checked, still cannot write outside its folder.
    @Test func theRunnerRefusesACommandThatWasNeverChecked() throws {
        let folder = try temporaryFolder()
        let escape = folder.appendingPathComponent("escape.png")
        let command = Lesson.Command(text: "attnlab mask causal --len 4 --png ../escape.png",
                                     arguments: ["mask", "causal", "--len", "4", "--png", "../escape.png"], line: 12)
        let lesson = Lesson(id: "made", number: nil, title: "Made in code", introduction: [],
                            steps: [.init(title: "S", blocks: [.command(command)], line: 2)],
                            file: URL(fileURLWithPath: "/nowhere/made.md"))
        let err = LineBuffer()
        let ran = Console.capture(out: { _ in }, err: { err.append($0) }) {
            LessonCommand.runCommand(command, of: lesson, in: folder.appendingPathComponent("out").path, seed: nil)
        }
        #expect(!ran)
        #expect(err.all == ["attnlab: made.md:12: --png '../escape.png': goes above the lesson's folder with '..'; a lesson writes only into its own folder"])
        #expect(!FileManager.default.fileExists(atPath: escape.path))

        let torch = Lesson.Command(text: "attnlab bench --torch", arguments: ["bench", "--torch"], line: 13)
        #expect(!Console.capture(out: { _ in }) { LessonCommand.runCommand(torch, of: lesson, in: folder.path, seed: nil) })
    }
}
