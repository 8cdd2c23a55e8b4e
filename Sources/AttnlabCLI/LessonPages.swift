import Classroom
import Foundation
import Reports
import Synchronization

/// What a lesson's commands printed and drew, gathered as they run, then written as the lesson's
/// page (`index.html` in its folder). Run twice, the same lesson gives the same bytes.
final class LessonPageRecorder: Sendable {
    /// The lesson's folder, where its pictures are and its page goes.
    let folder: String
    /// The lesson's language, for the page's note on times left out.
    let language: String
    private let records = Mutex<[Int: LessonPage.Record]>([:])

    init(folder: String, language: String) { self.folder = folder; self.language = language }

    /// Keeps what `command` left; run again (the teacher went back a step), the last run counts.
    /// Lines in `runLines` lose their measured part or go, and the page says so.
    func record(_ command: Lesson.Command, output: [String], pictures: [(file: String, title: String)],
                runLines: RunLines?, error: String?) {
        let chinese = language.hasPrefix("zh")
        let (steady, cut) = runLines?.steady(output, marker: "…") ?? (output, false)
        var lines = steady
        while lines.last?.isEmpty == true { lines.removeLast() }
        var seen = Set<String>()
        let inFolder = pictures.reversed().compactMap { picture -> LessonPage.Picture? in
            guard let path = Self.relative(picture.file, to: folder), seen.insert(path).inserted else { return nil }
            return LessonPage.Picture(path: path, title: picture.title)
        }.reversed()
        let timesLeftOut = !cut ? nil : chinese
            ? "每次运行都不一样的内容（这次测得的时间，模型是现在训练的还是从缓存取的）没有写进页面，或以 … 代替；加 --verbatim 可以保留。"
            : "What differs from run to run (times measured on this run, whether a model was trained now or reused) is left out of the page or shown as …; --verbatim keeps it."
        let record = LessonPage.Record(output: lines, pictures: Array(inFolder), message: error ?? timesLeftOut, succeeded: error == nil)
        records.withLock { $0[command.line] = record }
    }

    /// Writes the page whole or not at all and returns its path. A command skipped for a missing
    /// model says why; one never reached says it was not run.
    @discardableResult
    func write(_ lesson: Lesson, note: String?, indexLink: String?, standalone: Bool) throws -> String {
        var records = self.records.withLock { $0 }
        for command in lesson.commands where records[command.line] == nil {
            if let (name, why) = command.needs.lazy.compactMap({ name in ModelLocation.missing(name).map { (name, $0) } }).first {
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

/// Lines a command printed that differ from run to run: a time it measured (`Console.sayTimed`),
/// or a line about this run alone, such as whether a model was trained now or taken from the
/// cache (`Console.sayOfThisRun`). A lesson's page keeps only their steady part, or leaves them
/// out, unless the lesson was run with `--verbatim`: the same lesson run twice then gives the
/// same page, whether its models were trained on the first run or reused on the second.
final class RunLines: Sendable {
    /// Each line as printed, and what of it a page keeps (nil: nothing).
    private let lines = Mutex<[(line: String, steady: String?)]>([])

    func add(_ line: String, steady: String?) { lines.withLock { $0.append((line, steady)) } }

    /// `output` with each such line cut to its steady part followed by `marker`, or left out.
    func steady(_ output: [String], marker: String) -> (output: [String], changed: Bool) {
        let known = lines.withLock { $0 }
        var changed = false
        let result = output.compactMap { line -> String? in
            guard let match = known.first(where: { $0.line == line }) else { return line }
            changed = true
            return match.steady.map { $0 + marker }
        }
        return (result, changed)
    }
}

extension RunContext {
    /// Where a command in a lesson reports the lines that differ from run to run; nil elsewhere.
    @TaskLocal static var runLines: RunLines?
}

extension Console {
    /// Says `steady + measured`, where `measured` is a time taken on this run (so differs on
    /// the next), and notes which part is steady for a lesson's page.
    static func sayTimed(_ steady: String, _ measured: String) {
        let line = steady + measured
        say(line)
        RunContext.runLines?.add(escapingControls(line), steady: escapingControls(steady))
    }

    /// Says a line about this run alone (how long it took, where a model came from), which a
    /// lesson's page leaves out.
    static func sayOfThisRun(_ line: String) {
        say(line)
        RunContext.runLines?.add(escapingControls(line), steady: nil)
    }
}
