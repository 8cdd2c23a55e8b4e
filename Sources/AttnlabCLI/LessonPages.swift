import Classroom
import Foundation
import Reports
import Synchronization

/// What a lesson's commands printed and drew, gathered as they run, then written as the lesson's
/// page (`index.html` in its folder). Run twice, the same lesson gives the same bytes.
final class LessonPageRecorder: Sendable {
    /// The lesson's folder, where its pictures are and its page goes.
    let folder: String
    /// The language the lesson is shown in, for what the page says in its own words.
    let language: String
    private let records = Mutex<[Int: LessonPage.Record]>([:])

    init(folder: String, language: String) { self.folder = folder; self.language = language }

    /// Keeps what `command` left; run again (the teacher went back a step), the last run counts.
    /// Lines in `runLines` are shown as a page shows them, and the page says why.
    func record(_ command: Lesson.Command, output: [String], pictures: [(file: String, title: String)],
                runLines: RunLines, verbatim: Bool, error: String?) {
        let (shown, changed) = runLines.page(output, keepingRuns: verbatim)
        var lines = shown
        while lines.last?.isEmpty == true { lines.removeLast() }
        var seen = Set<String>()
        let inFolder = pictures.reversed().compactMap { picture -> LessonPage.Picture? in
            guard let path = Self.relative(picture.file, to: folder), seen.insert(path).inserted else { return nil }
            return LessonPage.Picture(path: path, title: picture.title)
        }.reversed()
        let record = LessonPage.Record(output: lines, pictures: Array(inFolder), message: error ?? why(changed), succeeded: error == nil)
        records.withLock { $0[command.line] = record }
    }

    /// What the page says under a command whose lines it shows otherwise than printed.
    private func why(_ changed: Set<RunLines.Kind>) -> String? {
        let chinese = language.hasPrefix("zh")
        var notes: [String] = []
        if changed.contains(.timed) {
            notes.append(chinese ? "… 处是这次运行测得的时间，每次都不一样，所以页面上不写；用 --html --verbatim 运行本课可以保留。"
                : "… stands for a time measured on this run, which differs on every run; run the lesson with --html --verbatim to keep it.")
        }
        if changed.contains(.ofThisRun) {
            notes.append(chinese ? "只属于这次运行的行（训练用了多久，模型是现在训练的还是从缓存取的）没有写进页面；--verbatim 可以保留。"
                : "Lines about this run alone (how long training took, whether the model was trained now or reused) are left out; --verbatim keeps them.")
        }
        return notes.isEmpty ? nil : notes.joined(separator: " ")
    }

    /// Writes the page whole or not at all and returns its path. A command skipped for a missing
    /// model says why; one never reached says it was not run.
    @discardableResult
    func write(_ lesson: Lesson, note: String?, indexLink: String?, standalone: Bool) throws -> String {
        var records = self.records.withLock { $0 }
        for command in lesson.commands where records[command.line] == nil {
            if let (name, why) = command.needs.lazy.compactMap({ name in ModelLocation.missing(name, language: self.language).map { (name, $0) } }).first {
                let skipped = PresenterWords.of(language).skipped(name, why)
                records[command.line] = LessonPage.Record(output: [], pictures: [], message: skipped, succeeded: true)
            }
        }
        let folder = self.folder
        let page = LessonPage(lesson: lesson, records: records, language: LessonSource.pageLanguage(language), note: note, indexLink: indexLink,
                              standalone: standalone,
                              pictureData: { FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent($0)) })
        let path = (folder as NSString).appendingPathComponent("index.html")
        _ = try OutputSet.writing { files in try files.write(Data(page.html().utf8), to: path) }
        return path
    }

    /// `file` relative to `folder`, or nil when it is not inside it.
    static func relative(_ file: String, to folder: String) -> String? {
        let base = URL(fileURLWithPath: folder).standardizedFileURL.path
        let path = URL(fileURLWithPath: file).standardizedFileURL.path
        return path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : nil
    }
}

extension LessonSource {
    /// Writes the page that links every lesson page in this language (`Output/index.html`, or
    /// `Output/<lang>/index.html`): a lesson whose page is not written yet is listed with the
    /// command that writes it. Returns its path.
    @discardableResult
    func writeIndexPage(_ library: LessonLibrary, english: LessonLibrary?) throws -> String {
        let path = indexPage
        let folder = (path as NSString).deletingLastPathComponent
        let ids = Set(library.lessons.map(\.id))
        let untranslated = english?.lessons.filter { !ids.contains($0.id) } ?? []
        let lessons = (library.lessons + untranslated).sorted { ($0.number ?? .max, $0.id) < ($1.number ?? .max, $1.id) }
        let entries = lessons.map { lesson in
            let link = "\(lesson.id)/index.html"
            let written = FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(link))
            return LessonIndexPage.Entry(number: lesson.number, id: lesson.id, title: lesson.title, steps: lesson.steps.count,
                                         link: written ? link : nil)
        }
        let page = LessonIndexPage(entries: entries, language: Self.pageLanguage(lang))
        _ = try OutputSet.writing { files in try files.write(Data(page.html().utf8), to: path) }
        return path
    }
}

/// What a page shows in place of lines a command printed for this run and this terminal only:
/// a time it measured (`Console.sayTimed`: the page keeps the rest of the line and `…`), a line
/// about this run alone, such as whether a model was trained now or taken from the cache
/// (`Console.sayOfThisRun`: the page leaves it out), and a table narrowed to fit the terminal
/// (`TextTable`: the page keeps its columns). So the same lesson run twice gives the same page,
/// whether its models were trained on the first run or reused on the second, in any terminal.
final class RunLines: Sendable {
    enum Kind: Sendable { case timed, ofThisRun, narrowed }
    /// Lines as printed, what the page shows instead, and why.
    private let entries = Mutex<[(printed: [String], page: [String], kind: Kind)]>([])

    func add(_ printed: [String], page: [String], kind: Kind) {
        entries.withLock { $0.append((printed.map(Console.escapingControls), page.map(Console.escapingControls), kind)) }
    }

    /// `output` as the page shows it, and what kinds of line were changed. With `keepingRuns`
    /// (`--verbatim`), times and lines about the run stay as printed; tables are widened anyway.
    func page(_ output: [String], keepingRuns: Bool) -> (lines: [String], changed: Set<Kind>) {
        let known = entries.withLock { $0 }.filter { !keepingRuns || $0.kind == .narrowed }
        var lines: [String] = [], changed = Set<Kind>(), i = 0
        while i < output.count {
            if let entry = known.first(where: { !$0.printed.isEmpty && output[i...].starts(with: $0.printed) }) {
                lines += entry.page
                changed.insert(entry.kind)
                i += entry.printed.count
            } else {
                lines.append(output[i])
                i += 1
            }
        }
        return (lines, changed)
    }
}

extension RunContext {
    /// Where a command in a lesson reports the lines a page shows otherwise; nil elsewhere.
    @TaskLocal static var runLines: RunLines?
}

extension Console {
    /// Says `steady + measured`, where `measured` is a time taken on this run (so differs on
    /// the next): a lesson's page shows `steady` and `…`.
    static func sayTimed(_ steady: String, _ measured: String) {
        say(steady + measured)
        RunContext.runLines?.add([steady + measured], page: [steady + "…"], kind: .timed)
    }

    /// Says a line about this run alone (how long it took, where a model came from); a lesson's
    /// page shows `page` instead, or leaves it out.
    static func sayOfThisRun(_ line: String, page: String? = nil) {
        say(line)
        RunContext.runLines?.add([line], page: page.map { [$0] } ?? [], kind: .ofThisRun)
    }
}
