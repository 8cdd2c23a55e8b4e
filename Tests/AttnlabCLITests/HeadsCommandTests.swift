import Foundation
import Testing
@testable import AttnlabCLI
import Classroom

/// `attnlab heads`, and the real-bert lesson with and without the model it needs.
@Suite struct HeadsCommandTests {
    static let miniLMIsPresent = ModelLocation.missing("all-MiniLM-L6-v2") == nil

    /// The summary table's row for a role: its cells.
    func row(_ out: [String], _ role: String) -> [String]? {
        out.first { $0.hasPrefix("  " + role + "  ") }.map { $0.split(separator: "  ").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    @Test func aBuiltInEncoderGetsEveryRole() throws {
        let result = attnlab("heads", "--arch", "encoder-only", "--text", "the bank of the river")
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.contains("special tokens: [CLS] at 0, [SEP] at 6; the other 5 tokens are the words"))
        for role in ["attends to [CLS]", "attends to [SEP]", "previous token", "next token"] {
            let cells = try #require(row(result.out, role), "no row for \(role): \(result.out)")
            #expect(cells[1].hasPrefix("L") && cells[1].contains(" H"))
            #expect(cells.last == "0.143")                     // 1 / 7 tokens
        }
    }

    @Test func aDecodersNextTokenIsBlockedByItsMask() throws {
        let result = attnlab("heads", "--arch", "decoder-only", "--text", "the bank of the river", "--json")
        #expect(result.status == 0, "\(result.err)")
        #expect(row(result.out, "next token")?[1] == "none: the mask blocks it")
        let json = try #require(try JSONSerialization.jsonObject(with: Data((result.out.last ?? "").utf8)) as? [String: Any])
        let roles = try #require(json["roles"] as? [[String: Any]])
        #expect(roles.map { $0["role"] as? String } == ["attends to <bos>", "previous token", "next token"])
        #expect(roles.last?["weight"] as? Double == 0)
    }

    @Test func tableAndPictureAreWritten() throws {
        let out = try temporaryFolder()
        let png = out.appendingPathComponent("found.png").path
        let result = attnlab("heads", "--arch", "encoder-only", "--preset", "nano", "--table", "--png", png)
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.contains("previous token, mean weight in each head (layers down, heads across):"))
        #expect(result.out.contains("wrote \(png)"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    @Test(arguments: [["--ids", "5", "6"], ["--tokens", "4"], ["--text", ""]])
    func badInputIsOneClearLine(arguments: [String]) {
        let result = attnlab(["heads", "--arch", "encoder-only"] + arguments)
        #expect(result.status != 0)
        #expect(result.err.count == 1 && result.err.first?.hasPrefix("attnlab: ") == true, "\(result.err)")
    }

    /// The pinned all-MiniLM-L6-v2 has a sharp previous-token head (layer 0, head 2), a next-token
    /// head and heads that pour nearly everything into [CLS]: far above the even spread.
    @Test(.enabled(if: miniLMIsPresent, "all-MiniLM-L6-v2 is not in Output/models/: run .ci/fetch-minilm"))
    func miniLMHasSinkPreviousAndNextTokenHeads() throws {
        for text in ["the bank of the river", "the cat sat on the mat because it was tired"] {
            let result = attnlab("heads", "--model", "all-MiniLM-L6-v2", "--text", text, "--json")
            #expect(result.status == 0, "\(result.err)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data((result.out.last ?? "").utf8)) as? [String: Any])
            let roles = try #require(json["roles"] as? [[String: Any]])
            func role(_ name: String) throws -> (layer: Int, head: Int, weight: Double, even: Double) {
                let entry = try #require(roles.first { $0["role"] as? String == name })
                return (entry["layer"] as? Int ?? -1, entry["head"] as? Int ?? -1, entry["weight"] as? Double ?? 0,
                        entry["even_spread"] as? Double ?? 1)
            }
            let previous = try role("previous token"), next = try role("next token"), cls = try role("attends to [CLS]")
            #expect(previous.layer == 0 && previous.head == 2 && previous.weight > 0.95, "\(text): \(previous)")
            #expect(next.weight > 0.5 && next.weight > 4 * next.even, "\(text): \(next)")
            #expect(cls.weight > 0.8 && cls.weight > 4 * cls.even, "\(text): \(cls)")
            let count = (json["tokens"] as? [String])?.count ?? 0
            #expect(json["special"] as? [Int] == [0, count - 1])     // [CLS] and [SEP]
        }
    }
}

/// The real-bert lesson runs to the end whether or not its model is installed.
@Suite struct LessonNeedsTests {
    static let lessons = LessonTests.folder

    func runRealBert(models: String?) throws -> CommandResult {
        let out = try temporaryFolder("real-bert-\(models == nil ? "present" : "absent")")
        let arguments = ["lesson", "real-bert", "--all", "--lessons", Self.lessons.path, "--out", out.path]
        guard let models else { return attnlab(arguments) }
        return ModelLocation.$overrideFolder.withValue(models) { attnlab(arguments) }
    }

    var needing: Int {
        LessonLibrary(folder: Self.lessons).lesson("real-bert")?.commands.filter { !$0.needs.isEmpty }.count ?? 0
    }

    @Test func withoutTheModelTheStepsAreSkippedAndTheLessonFinishes() throws {
        let empty = try temporaryFolder("no-models")
        let result = try runRealBert(models: empty.path)
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.last == "End of the lesson.")
        let howTo = result.out.filter { $0.hasPrefix("This needs all-MiniLM-L6-v2") }
        #expect(howTo.count == 1 && howTo.first?.contains(".ci/fetch-minilm") == true, "\(howTo)")
        #expect(needing >= 3)
        #expect(result.out.filter { $0.hasPrefix("skipped (needs all-MiniLM-L6-v2): attnlab ") }.count == needing)
        #expect(result.out.contains("$ attnlab heads --arch encoder-only --text \"the bank of the river\""))  // the rest still runs
    }

    @Test(.enabled(if: HeadsCommandTests.miniLMIsPresent, "all-MiniLM-L6-v2 is not in Output/models/: run .ci/fetch-minilm"))
    func withTheModelEveryStepRuns() throws {
        let result = try runRealBert(models: nil)
        #expect(result.status == 0, "\(result.err)")
        #expect(!result.out.contains { $0.hasPrefix("skipped") || $0.hasPrefix("This needs") })
        #expect(result.out.filter { $0.hasPrefix("  previous token  ") }.count >= 3)
    }

    /// The environment variable works as well as the override: a separate process, whose
    /// environment no other test shares.
    @Test func attnlabModelsPointsTheLessonElsewhere() throws {
        let empty = try temporaryFolder("no-models-env")
        let process = Process()
        process.executableURL = attnlabExecutable()
        process.arguments = ["lesson", "real-bert", "--all", "--lessons", Self.lessons.path,
                             "--out", empty.appendingPathComponent("out").path]
        process.environment = ProcessInfo.processInfo.environment.merging(["ATTNLAB_MODELS": empty.path]) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(out.contains("This needs all-MiniLM-L6-v2: it is not in \(empty.path)/"))
    }

    /// A lesson command that opens a model by name sits in a block that declares it, so a
    /// classroom without the model skips it rather than stopping — unless the lesson trained that
    /// model itself (`train … --out NAME` earlier in the lesson), which every classroom can do.
    @Test func everyLessonCommandWithAModelDeclaresIt() {
        for lesson in LessonLibrary(folder: Self.lessons).lessons {
            var trainedHere: Set<String> = []
            for command in lesson.commands {
                if command.arguments.first == "train", let out = command.arguments.firstIndex(of: "--out"),
                   out + 1 < command.arguments.count {
                    trainedHere.insert(command.arguments[out + 1])
                }
                guard let flag = command.arguments.firstIndex(of: "--model"), flag + 1 < command.arguments.count,
                      !trainedHere.contains(command.arguments[flag + 1]) else { continue }
                #expect(command.needs.contains(command.arguments[flag + 1]),
                        "\(lesson.id) line \(command.line): put it in a block ```attnlab needs=\(command.arguments[flag + 1])")
            }
        }
    }
}
