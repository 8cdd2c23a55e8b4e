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
    /// Lines in `timed` lose their measured part, and the page says so.
    func record(_ command: Lesson.Command, output: [String], pictures: [(file: String, title: String)],
                timed: TimedLines?, error: String?) {
        let chinese = language.hasPrefix("zh")
        let (steady, cut) = timed?.steady(output, marker: "…") ?? (output, false)
        var lines = steady
        while lines.last?.isEmpty == true { lines.removeLast() }
        var seen = Set<String>()
        let inFolder = pictures.reversed().compactMap { picture -> LessonPage.Picture? in
            guard let path = Self.relative(picture.file, to: folder), seen.insert(path).inserted else { return nil }
            return LessonPage.Picture(path: path, title: picture.title)
        }.reversed()
        let timesLeftOut = !cut ? nil : chinese
            ? "… 处是这次运行测得的时间：每次运行都不一样，所以没有写进页面（加 --times 可以保留）。"
            : "… stands for times measured on this run: they differ on every run, so the page leaves them out (--times keeps them)."
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

/// Lines a command printed that hold a time it measured (`Console.sayTimed`). They differ on
/// every run, so a lesson's page shows only their steady part unless the lesson was run with
/// `--times`: the same lesson run twice then gives the same page.
final class TimedLines: Sendable {
    private let lines = Mutex<[(line: String, steady: String)]>([])

    func add(_ line: String, steady: String) { lines.withLock { $0.append((line, steady)) } }

    /// `output` with each timed line cut to its steady part followed by `marker`.
    func steady(_ output: [String], marker: String) -> (output: [String], cut: Bool) {
        let timed = lines.withLock { $0 }
        var cut = false
        let result = output.map { line in
            guard let match = timed.first(where: { $0.line == line }) else { return line }
            cut = true
            return match.steady + marker
        }
        return (result, cut)
    }
}

extension RunContext {
    /// Where a command in a lesson reports the lines that hold measured times; nil elsewhere.
    @TaskLocal static var timed: TimedLines?
}

extension Console {
    /// Says `steady + measured`, where `measured` is a time taken on this run (so differs on
    /// the next), and notes which part is steady for a lesson's page.
    static func sayTimed(_ steady: String, _ measured: String) {
        let line = steady + measured
        say(line)
        RunContext.timed?.add(escapingControls(line), steady: escapingControls(steady))
    }
}
