import Foundation
import Testing
import TensorCore
@testable import AttnlabCLI

@Suite struct TraceCommandTests {
    @Test func writesOneNpyPerPatternAndTokens() throws {
        let folder = try temporaryFolder()
        let result = attnlab("trace", "--arch", "encoder-decoder", "--text", "the cat sat on the mat",
                             "--target", "le chat", "--npy", folder.path)
        #expect(result.status == 0, "\(result.err)")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files == ["decoder.0.cross_attn.pattern.npy", "decoder.0.self_attn.pattern.npy",
                          "decoder.1.cross_attn.pattern.npy", "decoder.1.self_attn.pattern.npy",
                          "encoder.0.self_attn.pattern.npy", "encoder.1.self_attn.pattern.npy", "tokens.json"])
        let cross = try Npy.decode(Data(contentsOf: folder.appendingPathComponent("decoder.1.cross_attn.pattern.npy")))
        #expect(cross.shape == [4, 3, 7])   // [H, decoder tokens (<bos> le chat), encoder tokens (6 words + <eos>)]
        let tokens = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("tokens.json"))) as? [String: Any]
        let encoder = (tokens?["tokens"] as? [String: Any])?["encoder"] as? [String: Any]
        #expect(encoder?["labels"] as? [String] == ["the", "cat", "sat", "on", "the", "mat", "<eos>"])
    }

    @Test func sameCommandSameBytes() throws {
        let a = try temporaryFolder("a"), b = try temporaryFolder("b")
        for folder in [a, b] {
            #expect(attnlab("trace", "--text", "one two three", "--hooks", "*", "--seed", "3", "--npy", folder.path).status == 0)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: a.path)
        #expect(files.count > 20)
        for file in files {
            #expect(try Data(contentsOf: a.appendingPathComponent(file)) == Data(contentsOf: b.appendingPathComponent(file)), "\(file)")
        }
    }

    @Test func masksAndScoresCanBeRecordedByGlob() {
        let result = attnlab("trace", "--arch", "decoder-only", "--text", "a b c", "--hooks", "decoder.0.*.mask,logits")
        #expect(result.status == 0)
        #expect(result.out.contains { $0.contains("decoder.0.self_attn.mask  [4, 4]") })
        #expect(result.out.contains { $0.contains("logits  [4, ") })
    }

    @Test func randomInputForBenchmarks() {
        let result = attnlab("trace", "--preset", "nano", "--tokens", "40")
        #expect(result.status == 0)
        #expect(result.out.contains { $0.contains("decoder.1.self_attn.pattern  [2, 40, 40]") })
    }
}

@Suite struct MaskCommandTests {
    @Test func printsTheGridWithPositions() {
        let result = attnlab("mask", "causal", "--len", "3")
        #expect(result.status == 0)
        #expect(result.out.suffix(4) == ["    0 1 2", " 0  1 0 0", " 1  1 1 0", " 2  1 1 1"])
    }

    @Test func crossIsRectangularAndPaddingCombines() {
        let cross = attnlab("mask", "cross", "--len", "2", "--src-len", "4", "--valid", "3")
        #expect(cross.out.suffix(2) == [" 0  1 1 1 0", " 1  1 1 1 0"])
        let window = attnlab("mask", "sliding-window", "--len", "4", "--window", "2", "--valid", "3")
        #expect(window.out.suffix(2) == [" 2  0 1 1 0", " 3  0 0 1 0"])
    }
}

/// Bad input beyond the table in BadInputTableTests: folders and the real executable.
@Suite struct BadInputTests {
    @Test func unwritableFolderIsAnErrorAndWritesNothing() throws {
        let parent = try temporaryFolder()
        let blocker = parent.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        let result = attnlab("trace", "--text", "hi", "--npy", blocker.appendingPathComponent("out").path)
        #expect(result.status != 0)
        #expect(result.err == ["attnlab: cannot create --npy \(blocker.path)/out: \(blocker.path) is a file, not a folder"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["file"])
    }

    /// Ctrl-C or SIGTERM while files are being written: exit 130, and nothing left behind — not
    /// the files written so far, not their temporary names, not the folder the command made.
    @Test(arguments: [SIGINT, SIGTERM])
    func anInterruptLeavesNothingBehind(signal: Int32) throws {
        let folder = try temporaryFolder("interrupt-\(signal)")
        let process = Process()
        process.executableURL = attnlabExecutable()
        process.arguments = ["trace", "--preset", "nano", "--text", "the cat sat", "--hooks", "*",
                             "--npy", folder.appendingPathComponent("out/npy").path, "--png", folder.appendingPathComponent("out/png").path]
        // Every file is written under its temporary name; the pause holds the set just before renaming.
        process.environment = ProcessInfo.processInfo.environment.merging(["ATTNLAB_TEST_PAUSE_BEFORE_COMMIT": "30"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the .npy files are written under their temporary names, then interrupt.
        let deadline = Date().addingTimeInterval(60)
        func written() -> Int {
            ((try? FileManager.default.subpathsOfDirectory(atPath: folder.path)) ?? []).filter { $0.contains(".attnlab-partial-") }.count
        }
        while process.isRunning && Date() < deadline && written() < 10 { usleep(10_000) }
        #expect(written() >= 10)
        #expect(process.isRunning, "the command ended before it could be interrupted")
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [])
    }

    /// bench --pictures draws into a scratch folder of its own, which an interrupt removes too.
    @Test func anInterruptedBenchRemovesItsScratchFolder() throws {
        let process = Process()
        process.executableURL = attnlabExecutable()
        process.arguments = ["bench", "--pictures", "--preset", "nano", "--tokens", "8", "--runs", "1", "--warmup", "0"]
        process.environment = ProcessInfo.processInfo.environment.merging(["ATTNLAB_TEST_PAUSE_BEFORE_COMMIT": "30"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        // Its scratch folder has an unguessable name: find the new attnlab-bench-* folder.
        let temporary = FileManager.default.temporaryDirectory.path
        func scratchFolders() -> Set<String> {
            Set(((try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []).filter { $0.hasPrefix("attnlab-bench-") })
        }
        let before = scratchFolders()
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        func written() -> Int {   // pictures written under their temporary names, waiting for the commit
            scratchFolders().subtracting(before).reduce(0) { total, name in
                total + (((try? FileManager.default.contentsOfDirectory(atPath: temporary + "/" + name)) ?? [])
                    .filter { $0.contains(".attnlab-partial-") }.count)
            }
        }
        while process.isRunning && Date() < deadline && written() == 0 { usleep(10_000) }
        #expect(written() > 0)
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(scratchFolders().subtracting(before).isEmpty)
    }

    @Test func theRealExecutableBehavesTheSame() throws {
        let bad = try attnlabProcess(["trace", "--arch", "sideways", "--text", "hi"])
        #expect(bad.status == 64)
        #expect(bad.err.count == 1)
        let good = try attnlabProcess(["mask", "causal", "--len", "2"])
        #expect(good.status == 0)
        #expect(good.err.isEmpty)
        #expect(good.out.last == " 1  1 1")
    }
}

@Suite struct OptionDeclarationTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/AttnlabCLI").standardizedFileURL

    /// Each option is declared once, in a command or in a shared group, so that its name, help
    /// and bounds cannot drift apart between commands.
    @Test func noOptionIsDeclaredTwice() throws {
        var declared: [String: [String]] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: Self.sources.path) where file.hasSuffix(".swift") {
            let lines = try String(contentsOf: Self.sources.appendingPathComponent(file), encoding: .utf8).split(separator: "\n")
            var pending = false
            for line in lines {
                let text = line.trimmingCharacters(in: .whitespaces)
                if text.hasPrefix("@Option(") || text.hasPrefix("@Flag(") || text.hasPrefix("@Argument(") { pending = true }
                guard pending, let range = text.range(of: #"var [a-zA-Z]+"#, options: .regularExpression) else { continue }
                let name = String(text[range].dropFirst(4))
                declared[name, default: []].append(file)
                pending = false
            }
        }
        #expect(declared.count > 30)
        for (name, files) in declared { #expect(files.count == 1, "\(name) is declared in \(files)") }
    }
}

@Suite struct TerminalSafetyTests {
    /// ESC and BEL in text reach the terminal escaped, never raw.
    @Test func controlCharactersInTextAreShownEscaped() {
        let result = attnlab("trace", "--preset", "nano", "--text", "the \u{1B}[31mcat\u{07} sat")
        #expect(result.status == 0, "\(result.err)")
        let all = (result.out + result.err).joined(separator: "\n")
        #expect(!all.contains("\u{1B}") && !all.contains("\u{07}"))
        #expect(all.contains("\\e") && all.contains("\\a"))   // the tokenizer keeps each as a token of its own
        let bad = attnlab("lesson", "\u{1B}]0;title\u{07}")
        #expect(bad.status != 0)
        #expect(bad.err.count == 1 && !bad.err[0].contains("\u{1B}") && bad.err[0].contains("\\e]0;title\\a"))
    }
}
