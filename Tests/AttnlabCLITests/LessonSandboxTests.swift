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
        (["trace", "--model", "/etc", "--ids", "1"], "--model '/etc' is a path"),
        (["train", "--task", "copy", "--out", "."], "--out '.' would replace the lesson's whole folder"),
        (["train", "--task", "copy", "--out=a/.."], "--out 'a/..' would replace the lesson's whole folder"),
        (["trace", "--model=../models/x", "--ids", "1"], "--model '../models/x' is a path"),
        (["trace", "--model", ".hidden", "--ids", "1"], "--model '.hidden' is a path"),
        (["trace", "--ids", "1", "--model"], "--model '' is a path"),
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
                          ["bench", "--pictures", "--runs", "1"],
                          ["trace", "--model", "all-MiniLM-L6-v2", "--text", "the bank of the river"]] {
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
        let refused = Console.capture(out: { _ in }, err: { err.append($0) }) {
            LessonCommand.runCommand(command, of: lesson, in: folder.appendingPathComponent("out").path, seed: nil)
        }
        #expect(refused == "--png '../escape.png': goes above the lesson's folder with '..'; a lesson reads and writes only inside its own folder")
        #expect(err.all.isEmpty, "the lesson reports it, once: \(err.all)")
        #expect(!FileManager.default.fileExists(atPath: escape.path))

        let torch = Lesson.Command(text: "attnlab bench --torch", arguments: ["bench", "--torch"], line: 13)
        #expect(Console.capture(out: { _ in }) { LessonCommand.runCommand(torch, of: lesson, in: folder.path, seed: nil) } != nil)
    }

    // MARK: links already in the folder

    @Test func resumeIsAnOutputPath() {
        #expect(LessonSandbox.problem(with: ["train", "--resume", "/tmp/model"])?.contains("--resume '/tmp/model': is an absolute path") == true)
        #expect(LessonSandbox.problem(with: ["train", "--resume=../model"])?.contains("goes above the lesson's folder") == true)
        #expect(LessonSandbox.problem(with: ["train", "--resume", "model"]) == nil)
    }

    /// A folder with `link -> outside` (a folder), `file.png -> outside/file.png` and `gone -> nowhere`.
    private func folderWithLinks(_ name: String = #function) throws -> (folder: URL, outside: URL) {
        let base = try temporaryFolder(name)
        let folder = base.appendingPathComponent("lesson"), outside = base.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inner"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data().write(to: outside.appendingPathComponent("file.png"))
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("link").path, withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("file.png").path,
                                                   withDestinationPath: outside.appendingPathComponent("file.png").path)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("gone").path,
                                                   withDestinationPath: outside.appendingPathComponent("new.png").path)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("back").path, withDestinationPath: "inner")
        return (folder, outside)
    }

    @Test(arguments: [
        (["mask", "causal", "--png", "link/escaped.png"], "--png 'link/escaped.png' leads outside the lesson's folder through a link"),
        (["mask", "causal", "--png=link/deeper/escaped.png"], "--png 'link/deeper/escaped.png' leads outside"),
        (["mask", "causal", "--png", "file.png"], "--png 'file.png' leads outside"),
        (["mask", "causal", "--png", "gone"], "--png 'gone' leads outside"),
        (["mask", "causal", "--png", "x/../link/a.png"], "--png 'x/../link/a.png' leads outside"),
        (["trace", "--text", "hi", "--npy", "link"], "--npy 'link' leads outside"),
        (["train", "--resume", "link"], "--resume 'link' leads outside"),
        (["trace", "--text", "hi", "--png"], "the lesson's folder holds a link that leads outside it"),   // the default folder
        (["trace", "--text", "hi", "--png", "inner"], "the lesson's folder holds a link that leads outside it"),
    ])
    func aLinkInTheFolderCannotLeadOutside(arguments: [String], expected: String) throws {
        let (folder, _) = try folderWithLinks("links-\(UInt(bitPattern: arguments.hashValue))")
        let problem = LessonSandbox.linkProblem(with: arguments, in: folder.path)
        #expect(problem?.hasPrefix(expected) == true, "\(arguments): \(problem ?? "allowed")")
    }

    @Test func pathsThatStayInsideThroughLinksAreAllowed() throws {
        let (folder, _) = try folderWithLinks()
        for arguments in [["mask", "causal", "--png", "new.png"], ["mask", "causal", "--png", "back/x.png"],
                          ["mask", "causal", "--png", "inner/deeper/x.png"], ["mask", "causal", "--len", "4"]] {
            #expect(LessonSandbox.linkProblem(with: arguments, in: folder.path) == nil, "\(arguments)")
        }
        // The lesson's folder may itself be reached through a link: it is its realpath that counts.
        let alias = folder.deletingLastPathComponent().appendingPathComponent("alias")
        try FileManager.default.createSymbolicLink(atPath: alias.path, withDestinationPath: folder.path)
        #expect(LessonSandbox.linkProblem(with: ["mask", "causal", "--png", "inner/x.png"], in: alias.path) == nil)
    }

    @Test func aLessonCannotWriteThroughALinkInItsFolder() throws {
        let (folder, outside) = try folderWithLinks()
        let lessons = try lessonFolder("attnlab mask causal --len 4 --png link/escaped.png", name: "link-lesson")
        let run = attnlab("lesson", "lesson", "--all", "--lessons", lessons.path, "--out", folder.path)
        #expect(run.status == 1)
        #expect(run.err.count == 1 && run.err.first?.hasPrefix("attnlab: 01-lesson.md:4: --png 'link/escaped.png' leads outside the lesson's folder through a link (to ") == true,
                "\(run.err)")
        #expect(run.err.first?.hasSuffix("; the lesson stopped here") == true, "\(run.err)")
        #expect(!FileManager.default.fileExists(atPath: outside.appendingPathComponent("escaped.png").path))
    }

    // MARK: how a failing lesson ends

    /// The command's own error and the lesson's are one line, with the file and line of the command.
    @Test func aFailingCommandIsReportedOnOneLine() throws {
        let lessons = try lessonFolder("attnlab mask causal --len 4 --png pic.png")
        let out = lessons.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out.appendingPathComponent("pic.png"), withIntermediateDirectories: true)
        let run = attnlab("lesson", "lesson", "--all", "--lessons", lessons.path, "--out", out.path)
        #expect(run.status == 1)
        #expect(run.err == ["attnlab: 01-lesson.md:4: --png \(out.path)/pic.png is a folder; give a file name such as "
            + "\(out.path)/pic.png/picture.png; the lesson stopped here"], "\(run.err)")
        #expect(run.out.contains("$ attnlab mask causal --len 4 --png pic.png"), "standard output is still shown: \(run.out)")
    }

    /// Lines a command notes on its way are passed through as they come; only its last error is folded in.
    @Test func otherErrorLinesArePassedThrough() {
        let passed = LineBuffer()
        let failing = FinalErrorLine(passOn: { passed.append($0) })
        for line in ["step 1", "attnlab: warning", "step 2", "attnlab: first", "attnlab: the error"] { failing.take(line) }
        #expect(passed.all == ["step 1", "attnlab: warning", "step 2", "attnlab: first"])
        #expect(failing.finish(failed: true) == "the error" && passed.all.count == 4)

        let succeeding = FinalErrorLine(passOn: { passed.append($0) })
        succeeding.take("attnlab: a note at the end")
        #expect(succeeding.finish(failed: false) == nil && passed.all.last == "attnlab: a note at the end")
        #expect(FinalErrorLine(passOn: { _ in }).finish(failed: true) == nil)
    }

    /// A command run by the runner: its error is handed back, not printed; its output goes where it went.
    @Test func theRunnerHandsBackTheCommandsError() throws {
        let folder = try temporaryFolder()
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("pic.png"), withIntermediateDirectories: true)
        let command = Lesson.Command(text: "attnlab mask causal --len 4 --png pic.png",
                                     arguments: ["mask", "causal", "--len", "4", "--png", "pic.png"], line: 3)
        let lesson = Lesson(id: "made", number: nil, title: "Made", introduction: [],
                            steps: [.init(title: "S", blocks: [.command(command)], line: 2)], file: URL(fileURLWithPath: "/x/made.md"))
        let out = LineBuffer(), err = LineBuffer()
        let failure = Console.capture(out: { out.append($0) }, err: { err.append($0) }) {
            LessonCommand.runCommand(command, of: lesson, in: folder.path, seed: nil)
        }
        #expect(failure?.hasPrefix("--png \(folder.path)/pic.png is a folder") == true, "\(failure ?? "ran")")
        #expect(err.all.isEmpty, "\(err.all)")
        let ok = Lesson.Command(text: "", arguments: ["mask", "causal", "--len", "4"], line: 4)
        #expect(Console.capture(out: { out.append($0) }) { LessonCommand.runCommand(ok, of: lesson, in: folder.path, seed: nil) } == nil)
        #expect(out.all.contains { $0.hasPrefix("causal mask") }, "\(out.all)")
    }

    @Test func aFailedLessonLeavesNoEmptyFolderItMade() throws {
        let long = String(repeating: "a", count: 300) + ".png"     // too long a name: fails when written
        let lessons = try lessonFolder("attnlab mask causal --len 4 --png \(long)")
        let out = lessons.appendingPathComponent("new/out")
        let run = attnlab("lesson", "lesson", "--all", "--lessons", lessons.path, "--out", out.path)
        #expect(run.status == 1 && run.err.count == 1 && run.err.first?.hasSuffix("; the lesson stopped here") == true, "\(run.err)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        // A folder that was there before is left as it was, empty or not.
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        #expect(attnlab("lesson", "lesson", "--all", "--lessons", lessons.path, "--out", out.path).status == 1)
        #expect(FileManager.default.fileExists(atPath: out.path))
    }

    // MARK: ids from the command line and from file names

    @Test func oddIdsAreNoLessonAndANumberSuggestsNothing() throws {
        let lessons = try lessonFolder("attnlab mask causal --len 4")
        for id in ["-1", "99"] {
            let run = attnlab("lesson", id, "--lessons", lessons.path)
            #expect(run.status == 1 && run.err == ["attnlab: no lesson '\(id)'; known lessons: lesson"], "\(run.err)")
        }
        #expect(attnlab("lesson", "lesso", "--lessons", lessons.path).err.first?.contains("did you mean 'lesson'?") == true)
        #expect(attnlab("lesson", "--lessons", lessons.path).err == ["attnlab: Missing expected argument '<id>'"])
        #expect(attnlab("lesson", "lesson", "--al", "--lessons", lessons.path).err == ["attnlab: unknown option '--al' for 'lesson'; did you mean '--all'?"])
    }

    @Test func aFileNameThatWouldNameNoFolderIsRefused() throws {
        let lessons = try temporaryFolder()
        for name in ["01-...md", "02-..md", "03-.md"] {
            try "# T\n## S\n```attnlab\nattnlab mask causal --len 4 --png x.png\n```\n"
                .write(to: lessons.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let listed = attnlab("lessons", "--lessons", lessons.path)
        #expect(listed.status == 1)
        let expected = ["attnlab: 01-...md: the lesson id '..' (from the file name) starts with '.'",
                        "attnlab: 02-..md: the lesson id '.' (from the file name) starts with '.'",
                        "attnlab: 03-.md: the lesson id '' (from the file name) is empty"]
        #expect(listed.err.count == 3 && zip(listed.err, expected).allSatisfy { $0.hasPrefix($1) }, "\(listed.err)")
        let run = attnlab("lesson", "1", "--all", "--lessons", lessons.path)
        #expect(run.status == 1 && run.err.first?.hasPrefix("attnlab: 01-...md: the lesson id '..'") == true, "\(run.err)")
        #expect(!run.out.contains { $0.hasPrefix("$ ") })
    }

    @Test func anEmptyOrFileLessonsPathIsRefused() {
        #expect(attnlab("lessons", "--lessons", "").err == ["attnlab: --lessons: the path is empty; give the folder the lessons are in"])
        #expect(attnlab("lessons", "--lessons", "/etc/passwd").err == ["attnlab: /etc/passwd: is a file, not a folder; give the folder the lessons are in (such as Lessons)"])
    }
}
