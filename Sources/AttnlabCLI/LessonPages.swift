import Classroom
import Foundation
import Reports
import Synchronization

/// What a lesson's commands printed and drew, gathered as they run, then written as the lesson's
/// page (`index.html` in its folder). Run twice, the same lesson gives the same bytes.
final class LessonPageRecorder: Sendable {
    /// The lesson's folder, where its pictures are and its page goes.
    let folder: String
    private let records = Mutex<[Int: LessonPage.Record]>([:])

    init(folder: String) { self.folder = folder }

    /// Keeps what `command` left; run again (the teacher went back a step), the last run counts.
    func record(_ command: Lesson.Command, output: [String], pictures: [(file: String, title: String)], error: String?) {
        var lines = output
        while lines.last?.isEmpty == true { lines.removeLast() }
        var seen = Set<String>()
        let inFolder = pictures.reversed().compactMap { picture -> LessonPage.Picture? in
            guard let path = Self.relative(picture.file, to: folder), seen.insert(path).inserted else { return nil }
            return LessonPage.Picture(path: path, title: picture.title)
        }.reversed()
        let record = LessonPage.Record(output: lines, pictures: Array(inFolder), message: error, succeeded: error == nil)
        records.withLock { $0[command.line] = record }
    }

    /// Writes the page whole or not at all and returns its path. A command skipped for a missing
    /// model says why; one never reached says it was not run.
    @discardableResult
    func write(_ lesson: Lesson, language: String, note: String?, indexLink: String?, standalone: Bool) throws -> String {
        var records = self.records.withLock { $0 }
        for command in lesson.commands where records[command.line] == nil {
            if let why = command.needs.lazy.compactMap(ModelLocation.missing).first {
                records[command.line] = LessonPage.Record(output: [], pictures: [], message: why, succeeded: true)
            }
        }
        let folder = self.folder
        let page = LessonPage(lesson: lesson, records: records, language: language, note: note, indexLink: indexLink,
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
        let page = LessonIndexPage(entries: entries, language: pageLanguage)
        _ = try OutputSet.writing { files in try files.write(Data(page.html().utf8), to: path) }
        return path
    }
}
