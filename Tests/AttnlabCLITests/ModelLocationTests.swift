import Foundation
import Testing
@testable import AttnlabCLI

/// `--model` names a folder; in a lesson only a model in the models folder, by name.
@Suite struct ModelLocationTests {
    private func scratch() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("attnlab-models-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/models/tiny-bert", withIntermediateDirectories: true)
        return root
    }

    @Test func aBareNameIsLookedUpInTheModelsFolder() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for inLesson in [false, true] {
            let url = try ModelLocation.folder(for: "tiny-bert", inLesson: inLesson, modelsFolder: root + "/models")
            #expect(url.path == root + "/models/tiny-bert")
        }
    }

    @Test func aLessonCannotNameAPath() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for path in [root + "/models/tiny-bert", "../models/tiny-bert", "/etc", ".", "..", ".hidden", "a/b"] {
            #expect(throws: CLIError.self, "\(path)") {
                try ModelLocation.folder(for: path, inLesson: true, modelsFolder: root + "/models")
            }
        }
        // On the command line a path is a path.
        #expect(try ModelLocation.folder(for: root + "/models/tiny-bert", inLesson: false, modelsFolder: "/nowhere").path
                == root + "/models/tiny-bert")
    }

    @Test func aMissingModelSaysHowToGetIt() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            _ = try ModelLocation.folder(for: "all-MiniLM-L6-v2", inLesson: true, modelsFolder: root + "/models")
            Issue.record("a missing model was found")
        } catch {
            #expect("\(error)".contains(".ci/fetch-minilm"))
            #expect(!"\(error)".contains("\n"))
        }
    }
}
