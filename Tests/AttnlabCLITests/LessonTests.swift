import Foundation
import Testing
@testable import AttnlabCLI
import Classroom

/// Every lesson in Lessons/ runs to the end, non-interactively, and writes the pictures it promises.
@Suite struct LessonTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Lessons").standardizedFileURL

    static var ids: [String] {
        LessonLibrary(folder: folder).lessons.map(\.id)
    }

    @Test func thereAreAtLeastTenLessonsAndAllParse() throws {
        let library = LessonLibrary(folder: Self.folder, validate: Attnlab.problem(with:))
        #expect(library.problems.isEmpty, "\(library.problems)")
        #expect(library.lessons.count >= 10)
        for lesson in library.lessons {
            #expect(lesson.commands.contains { $0.arguments.contains("--png") }, "\(lesson.id) draws no picture")
        }
    }

    @Test(arguments: ids)
    func lessonRunsToTheEndAndWritesItsPictures(id: String) throws {
        let out = try temporaryFolder("lesson-\(id)")
        let result = attnlab(["lesson", id, "--all", "--lessons", Self.folder.path, "--out", out.path])
        #expect(result.status == 0, "\(id): \(result.err)")
        #expect(result.out.last == "End of the lesson.")
        let lesson = try #require(LessonLibrary(folder: Self.folder).lesson(id))
        for command in lesson.commands {
            guard let flag = command.arguments.firstIndex(of: "--png"), flag + 1 < command.arguments.count else { continue }
            // A command whose model is not installed was skipped (```attnlab needs=NAME), and drew nothing.
            guard command.needs.allSatisfy({ ModelLocation.missing($0) == nil }) else { continue }
            let promised = out.appendingPathComponent(command.arguments[flag + 1])
            if command.arguments.first == "trace" {
                let files = (try? FileManager.default.contentsOfDirectory(atPath: promised.path)) ?? []
                #expect(files.contains { $0.hasSuffix(".png") }, "\(id) line \(command.line): no pictures in \(promised.path)")
            } else {
                #expect(FileManager.default.fileExists(atPath: promised.path), "\(id) line \(command.line): no \(promised.path)")
            }
        }
    }

    @Test func unknownLessonListsTheKnownOnesAndTheNearest() {
        let result = attnlab("lesson", "maks", "--lessons", Self.folder.path)
        #expect(result.status != 0)
        #expect(result.err.count == 1)
        #expect(result.err.first?.contains("did you mean 'masks'?") == true)
        #expect(result.err.first?.contains("kv-cache") == true)
    }

    @Test func lessonsListsIdTitleAndSteps() {
        let result = attnlab("lessons", "--lessons", Self.folder.path)
        #expect(result.status == 0)
        #expect(result.out.contains { $0.contains("masks") && $0.contains("steps)") })
    }

    @Test func aMalformedLessonIsReportedWithFileAndLine() throws {
        let folder = try temporaryFolder()
        try "# Broken\n## Step\n```attnlab\nattnlab trace --arch sideways --text hi\n```\n"
            .write(to: folder.appendingPathComponent("01-broken.md"), atomically: true, encoding: .utf8)
        try "# Fine\n## Step\nwords\n".write(to: folder.appendingPathComponent("02-fine.md"), atomically: true, encoding: .utf8)
        let result = attnlab("lessons", "--lessons", folder.path)
        #expect(result.status != 0)
        #expect(result.err == [result.err.first ?? ""] && result.err.first?.hasPrefix("attnlab: 01-broken.md:4: ") == true, "\(result.err)")
        #expect(result.out.contains { $0.contains("fine") })   // the good lesson is still listed
        #expect(attnlab("lesson", "fine", "--all", "--lessons", folder.path, "--out", folder.appendingPathComponent("o").path).status == 0)
        #expect(attnlab("lesson", "broken", "--lessons", folder.path).err.first?.hasPrefix("attnlab: 01-broken.md:4: ") == true)
    }
}

@Suite struct LessonCommandTests {
    @Test(arguments: ["decoder-only", "encoder-decoder"])
    func teacherForcingAgreesWithinTolerance(arch: String) throws {
        let result = attnlab("check", "teacher-forcing", "--arch", arch, "--tokens", "24", "--runs", "1", "--json")
        #expect(result.status == 0, "\(result.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data((result.out.last ?? "").utf8)) as? [String: Any])
        let difference = try #require(json["max_abs_diff"] as? Double)
        #expect(difference <= 1e-4)
        #expect(json["parallel_ms"] is Double && json["sequential_ms"] is Double)
    }

    @Test(arguments: ["decoder-only", "encoder-decoder"])
    func generateConfirmsCachedEqualsUncached(arch: String) {
        let result = attnlab("generate", "--arch", arch, "--text", "the cat sat", "--steps", "6")
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.contains("generating again without the cache chose the same 6 tokens: yes"))
        #expect(result.out.filter { $0.hasPrefix("step ") }.count == 6)
    }

    /// The row shown at each step is that of the position that predicted the token: at the first
    /// step, the last prompt token's row over the whole prompt — not `<bos>`'s, which can only see itself.
    @Test func generateShowsThePredictingPositionsAttentionRow() throws {
        let result = attnlab("generate", "--arch", "decoder-only", "--text", "the cat sat", "--steps", "2")
        let rows = result.out.filter { $0.contains("which predicted this token") }
        #expect(rows.count == 2)
        let weights = rows.map { row in
            row.split(separator: ":").last.map { $0.split(separator: "|").compactMap { Double($0.split(separator: " ").last ?? "") } } ?? []
        }
        #expect(weights[0].count == 4 && weights[1].count == 5)     // <bos> the cat sat, then one more
        for row in weights { #expect(abs(row.reduce(0, +) - 1) < 0.02) }
        #expect(weights[0].filter { $0 > 0.005 }.count > 1, "step 1 shows <bos>'s row: \(rows[0])")
    }

    @Test func causalityReportsExactZerosBeforeTheChangeInADecoderOnly() {
        let decoder = attnlab("check", "causality", "--arch", "decoder-only", "--position", "4")
        #expect(decoder.out.contains("positions before 4: all unchanged, bit for bit"))
        let encoder = attnlab("check", "causality", "--arch", "encoder-only", "--position", "4")
        #expect(encoder.out.contains("positions before 4: 4 of 4 moved"))
    }

    @Test func countPrintsTrainingTargets() {
        let count = attnlab("count", "--width", "64", "--layers", "2", "--heads", "4", "--vocab", "100", "--tokens", "10")
        #expect(count.status == 0)
        #expect(count.out.contains("  causal language model (decoder-only): 9 — every token but the first is predicted"))
    }

    /// The causal determinant (by LU factorisation) equals the product of the pattern's diagonal.
    @Test func rankDeterminantOfTheCausalPatternIsItsDiagonalProduct() throws {
        let rank = attnlab("rank", "--preset", "nano", "--text", "a b c d e")
        #expect(rank.status == 0)
        let causal = try #require(rank.out.firstIndex { $0.hasPrefix("causal pattern") })
        let determinant = try #require(rank.out[causal...].first { $0.contains("determinant: ") })
        let diagonal = try #require(rank.out[causal...].first { $0.contains("product of the diagonal: ") })
        func power(_ line: String, after marker: String) -> Double? {
            line.components(separatedBy: marker).last.flatMap { Double($0.prefix { $0 != " " }) }
        }
        let a = try #require(power(determinant, after: "determinant: 10^"))
        let b = try #require(power(diagonal, after: "product of the diagonal: 10^"))
        #expect(abs(a - b) < 0.011 && a <= 0)   // printed to two decimals; a softmax diagonal is at most 1
    }
}
