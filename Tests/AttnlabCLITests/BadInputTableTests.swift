import Foundation
import Testing
@testable import AttnlabCLI

/// Every verb, given bad input: a non-zero exit, exactly one line on standard error that names
/// what was wrong, and nothing left behind — no file, no folder, no temporary file.
///
/// `{dir}` in a case stands for a fresh empty folder; after the command it must still be empty
/// but for what the case put there first (`{dir}/file`, a plain file, where a case needs one).
@Suite struct BadInputTableTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let arguments: [String]
        /// Text the error line must contain: the input it names.
        let names: String
        init(_ arguments: [String], names: String) { self.arguments = arguments; self.names = names }
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let cases: [Case] = [
        // trace
        Case(["trace", "--arch", "sideways", "--text", "hi"], names: "sideways"),
        Case(["trace", "--preset", "enormous", "--text", "hi"], names: "enormous"),
        Case(["trace", "--text", ""], names: "--text"),
        Case(["trace", "--text", "hi", "--tokens", "3"], names: "--tokens"),
        Case(["trace", "--preset", "nano", "--tokens", "65"], names: "65"),
        Case(["trace", "--tokens", "100000000000"], names: "--tokens"),
        Case(["trace", "--tokens", "-1"], names: "--tokens must be at least 1"),
        Case(["trace", "--ids", "5", "100000"], names: "100000"),
        Case(["trace", "--ids", "5", "seven"], names: "seven"),
        Case(["trace", "--arch", "decoder-only", "--text", "hi", "--target", "there"], names: "--target"),
        Case(["trace", "--arch", "encoder-decoder", "--text", "hi"], names: "--target"),
        Case(["trace", "--text", "hi", "--mask", "prefix-lm"], names: "--prefix"),
        Case(["trace", "--text", "hi", "--window", "3"], names: "--window"),
        Case(["trace", "--text", "the cat sat", "--mask", "prefix-lm", "--prefix", "9"], names: "--prefix 9"),
        Case(["trace", "--text", "hi", "--mask", "sliding-window", "--window", "0"], names: "--window must be at least 1"),
        Case(["trace", "--text", "hi", "--hooks", "no.such.point"], names: "no.such.point"),
        Case(["trace", "--text", "hi", "--png", "--draw", ""], names: "--draw"),
        Case(["trace", "--text", "hi", "--png", "{dir}", "--draw", "pies"], names: "pies"),
        Case(["trace", "--text", "hi", "--scores"], names: "--scores"),
        Case(["trace", "--text", "hi", "--npy", ""], names: "--npy"),
        Case(["trace", "--text", "hi", "--npy", "{dir}/file"], names: "is a file, not a folder"),
        Case(["trace", "--text", "hi", "--npy", "{dir}/file/deeper"], names: "is a file, not a folder"),
        Case(["trace", "--text", "hi", "--png", "{dir}/file"], names: "is a file, not a folder"),
        Case(["trace", "--text", "hi", "--hooks", "*.mlp.out", "--png", "{dir}/pictures"], names: "--hooks"),
        Case(["trace", "--text", "hi", "--width", "10", "--heads", "3"], names: "not divisible"),
        Case(["trace", "--text", "hi", "--width", "16384", "--layers", "256"], names: "parameters"),
        Case(["trace", "--text", "hi", "--layers", "0"], names: "--layers must be at least 1"),
        Case(["trace", "--preset", "small", "--heads", "64", "--layers", "8", "--tokens", "1024", "--hooks", "*.scores,*.pattern",
              "--npy", "{dir}/big"], names: "--force"),
        // mask
        Case(["mask", "diagonal", "--len", "4"], names: "diagonal"),
        Case(["mask", "causal", "--len", "0"], names: "--len must be at least 1"),
        Case(["mask", "causal", "--len", "-1"], names: "--len must be at least 1"),
        Case(["mask", "causal", "--len", "100000"], names: "--len must be at most 8192"),
        Case(["mask", "cross", "--len", "4"], names: "--src-len"),
        Case(["mask", "causal", "--len", "4", "--png"], names: "--png"),
        Case(["mask", "causal", "--len", "4", "--png", "{dir}"], names: "is a folder"),
        Case(["mask", "causal", "--len", "4", "--png", "{dir}/file/m.png"], names: "is a file, not a folder"),
        Case(["mask", "prefix-lm", "--len", "4", "--prefix", "5"], names: "--prefix 5"),
        Case(["mask", "sliding-window", "--len", "4"], names: "--window"),
        Case(["maks", "causal", "--len", "4"], names: "unknown command 'maks'"),
        Case(["mask", "causal", "--lenn", "4"], names: "'--lenn'"),
        // check
        Case(["check", "teacher-forcing", "--runs", "9223372036854775807"], names: "--runs must be at most 1000"),
        Case(["check", "teacher-forcing", "--runs", "100000000000"], names: "--runs must be at most 1000"),
        Case(["check", "teacher-forcing", "--runs", "0"], names: "--runs must be at least 1"),
        Case(["check", "teacher-forcing", "--warmup", "-3"], names: "--warmup must be at least 0"),
        Case(["check", "teacher-forcing", "--tokens", "100000000000"], names: "--tokens"),
        Case(["check", "teacher-forcing", "--mask", "prefix-lm", "--prefix", "2"], names: "prefix-lm"),
        Case(["check", "teacher-forcing", "--arch", "encoder-only"], names: "encoder-only"),
        Case(["check", "causality", "--position", "99"], names: "--position 99"),
        Case(["check", "causality", "--position", "-2"], names: "--position must be at least 0"),
        Case(["check", "causality", "--to", "zebraxyz"], names: "zebraxyz"),
        Case(["check", "causality", "--stack", "encoder"], names: "--stack"),
        Case(["check", "causality", "--png", "{dir}/file/c.png"], names: "is a file, not a folder"),
        Case(["check", "causality", "--png", ""], names: "--png"),
        Case(["check", "sideways"], names: "sideways"),
        // generate
        Case(["generate", "--text", "the cat", "--mask", "prefix-lm", "--prefix", "20"], names: "--prefix 20"),
        Case(["generate", "--text", "the cat", "--mask", "bidirectional"], names: "bidirectional"),
        Case(["generate", "--text", "the cat", "--steps", "0"], names: "--steps must be at least 1"),
        Case(["generate", "--text", "the cat", "--steps", "9223372036854775807"], names: "--steps must be at most 1024"),
        Case(["generate", "--text", "the cat", "--steps", "200"], names: "positions"),
        Case(["generate", "--steps", "3"], names: "--text"),
        Case(["generate", "--arch", "encoder-only", "--text", "the cat"], names: "encoder-only"),
        Case(["generate", "--text", "the cat", "--png", "{dir}/file/g.png"], names: "is a file, not a folder"),
        // count
        Case(["count", "--tokens", "100000000"], names: "--tokens"),
        Case(["count", "--vocab", "9000000000000000000"], names: "--vocab"),
        Case(["count", "--width", "-8"], names: "--width must be at least 1"),
        Case(["count", "--arch", "decoder-only"], names: "--arch"),
        Case(["count", "--text", "the cat"], names: "--tokens"),
        Case(["count", "--budget", "0"], names: "--budget must be at least 1"),
        Case(["count", "--png", "{dir}/file/p.png"], names: "is a file, not a folder"),
        // rank
        Case(["rank", "--layer", "7"], names: "--layer"),
        Case(["rank", "--head", "-1"], names: "--head must be at least 0"),
        Case(["rank", "--mask", "causal"], names: "--mask"),
        Case(["rank", "--png", "{dir}"], names: "is a folder"),
        // heads
        Case(["heads", "--ids", "5", "6"], names: "--ids"),
        Case(["heads", "--text", ""], names: "--text"),
        Case(["heads", "--png", "{dir}"], names: "is a folder"),
        Case(["heads", "--model", "no-such-model"], names: "no-such-model"),
        // bench
        Case(["bench", "--tokens", "0"], names: "--tokens must be at least 1"),
        Case(["bench", "--preset", "nano", "--tokens", "100"], names: "100"),
        Case(["bench", "--runs", "5000"], names: "--runs must be at most 1000"),
        Case(["bench", "--rounds", "101"], names: "--rounds must be at most 100"),
        Case(["bench", "--threads", "0"], names: "--threads must be at least 1"),
        Case(["bench", "--matplotlib"], names: "--matplotlib"),
        Case(["bench", "--torch", "--preset", "nano"], names: "--torch"),
        // hooks
        Case(["hooks", "--arch", "sideways"], names: "sideways"),
        Case(["hooks", "--preset", "nano", "--tokens", "65"], names: "65"),
        // train and eval
        Case(["train", "--task", "juggle", "--arch", "decoder-only", "--out", "{dir}/m"], names: "juggle"),
        Case(["train", "--task", "copy", "--arch", "encoder-only", "--out", "{dir}/m"], names: "encoder-only"),
        Case(["train", "--task", "lm", "--arch", "encoder-only", "--out", "{dir}/m"], names: "lm"),
        Case(["train", "--task", "copy", "--steps", "0", "--out", "{dir}/m"], names: "--steps must be at least 1"),
        Case(["train", "--task", "copy", "--batch", "5000", "--out", "{dir}/m"], names: "--batch must be at most 1024"),
        Case(["train", "--task", "copy", "--length", "100", "--out", "{dir}/m"], names: "--length 100"),
        Case(["train", "--task", "copy", "--lr", "-1", "--out", "{dir}/m"], names: "--lr"),
        Case(["train", "--task", "copy"], names: "--out"),
        Case(["train", "--task", "copy", "--out", "{dir}/file"], names: "is a file, not a folder"),
        Case(["train", "--task", "copy", "--out", "{dir}"], names: "did not write"),
        Case(["train", "--resume", "{dir}/nothing"], names: "training.json"),
        Case(["train", "--resume", "{dir}/nothing", "--task", "copy"], names: "--task"),
        Case(["eval", "--samples", "10"], names: "--model"),
        Case(["eval", "--model", "{dir}/missing"], names: "missing"),
        Case(["trace", "--model", "{dir}", "--text", "a b"], names: "config.json"),
        // lessons
        Case(["lesson", "no-such-lesson"], names: "no-such-lesson"),
        Case(["lessons", "--lessons", "{dir}/missing"], names: "missing"),
        Case(["lesson", "masks", "--out", "{dir}/file"], names: "is a file, not a folder"),
    ]

    @Test(arguments: cases)
    func oneLineNamingTheInputAndNothingLeftBehind(_ test: Case) throws {
        let folder = try temporaryFolder("bad-\(abs(test.testDescription.hashValue))")
        let file = folder.appendingPathComponent("file")
        try Data("x".utf8).write(to: file)
        let arguments = test.arguments.map { $0.replacingOccurrences(of: "{dir}", with: folder.path) }
        let result = attnlab(arguments)
        #expect(result.status != 0)
        #expect(result.err.count == 1, "\(result.err)")
        #expect(result.err.first?.hasPrefix("attnlab: ") == true, "\(result.err)")
        #expect(result.err.first?.contains(test.names) == true, "\(result.err.first ?? "") does not name '\(test.names)'")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["file"])
        #expect(try Data(contentsOf: file) == Data("x".utf8))
    }

    @Test func theTableCoversEveryVerb() {
        #expect(Self.cases.count >= 60)
        let verbs = Set(Self.cases.compactMap(\.arguments.first))
        for verb in ["trace", "mask", "check", "generate", "count", "rank", "heads", "bench", "hooks", "train", "eval", "lesson", "lessons"] {
            #expect(verbs.contains(verb), "no bad-input case for \(verb)")
        }
    }
}
