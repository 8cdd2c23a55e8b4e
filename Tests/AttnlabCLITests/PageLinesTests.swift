import Foundation
import Testing
@testable import AttnlabCLI
import Classroom

/// What a lesson's page shows in place of lines printed for one run or one terminal only.
@Suite struct PageLinesTests {
    /// Runs `body` as a lesson's command would, in a terminal `columns` wide; what it printed,
    /// and what it noted for the page.
    func printed(columns: Int?, _ body: () -> Void) -> ([String], RunLines) {
        let lines = LineBuffer(), runLines = RunLines()
        _ = Console.capture(out: { lines.append($0) }, err: { _ in }) {
            RunContext.$runLines.withValue(runLines) { RunContext.$columns.withValue(columns) { body(); return Int32(0) } }
        }
        return (lines.all, runLines)
    }

    static let table = TextTable(header: ["component", "encoder-only", "decoder-only"],
                                 rows: [["embeddings", "4,096", "4,096"], ["self-attention", "33,280", "33,280"]])

    @Test func aTableNarrowedForTheTerminalKeepsItsColumnsOnThePage() {
        let (wide, _) = printed(columns: nil) { Self.table.say() }
        let (narrow, runLines) = printed(columns: 30) { Self.table.say() }
        #expect(narrow.count > wide.count, "30 columns are too few for the table: it is printed as name: value lines")
        let (page, changed) = runLines.page(["before"] + narrow + ["after"], keepingRuns: false)
        #expect(page == ["before"] + wide + ["after"])
        #expect(changed == [.narrowed])
        #expect(runLines.page(narrow, keepingRuns: true).lines == wide, "--verbatim keeps runs, not the terminal's width")
    }

    @Test func aMeasuredTimeBecomesAnEllipsisAndALineAboutTheRunGoes() {
        let (output, runLines) = printed(columns: nil) {
            Console.say("positions: 64")
            Console.sayTimed("one pass: ", "0.63 ms (median of 5)")
            Console.sayOfThisRun("reusing the model trained earlier in /tmp/cache/x")
            Console.sayOfThisRun("600 steps, carrying on from step 265", page: "600 steps")
        }
        #expect(output.count == 4)
        let (page, changed) = runLines.page(output, keepingRuns: false)
        #expect(page == ["positions: 64", "one pass: …", "600 steps"])
        #expect(changed == [.timed, .ofThisRun])
        #expect(runLines.page(output, keepingRuns: true) == (output, []))
    }

    @Test func thePageSaysWhyInTheLessonsLanguage() throws {
        let folder = try temporaryFolder()
        for (language, words) in [("en", "… stands for a time measured on this run"), ("zh", "… 处是这次运行测得的时间")] {
            let recorder = LessonPageRecorder(folder: folder.path, language: language)
            let lesson = try #require(LessonParser.read("# T\n\n## S\n\n```attnlab\nattnlab mask causal --len 2\n```\n",
                                                         file: URL(fileURLWithPath: "/x/01-t.md")).lesson)
            let (output, runLines) = printed(columns: nil) { Console.sayTimed("one pass: ", "1 ms") }
            recorder.record(lesson.commands[0], output: output, pictures: [], runLines: runLines, verbatim: false, error: nil)
            let path = try recorder.write(lesson, note: nil, indexLink: nil, standalone: false)
            let html = try String(contentsOfFile: path, encoding: .utf8)
            #expect(html.contains("one pass: …") && html.contains(words), "\(language)")
        }
    }
}
