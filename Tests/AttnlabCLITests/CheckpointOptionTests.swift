import Checkpoints
import Foundation
import Testing
import TensorCore
import Transformer
@testable import AttnlabCLI

/// `--model DIR`: the commands that run a model run a checkpoint folder, reading text with the
/// checkpoint's own tokenizer.
@Suite struct CheckpointOptionTests {
    static let letters = CheckpointTokenizer(
        vocabulary: ["[PAD]", "[UNK]", "<bos>", "<eos>"] + "abcdefghijklmnopqrstuvwxyz".map(String.init), unknown: "[UNK]")
    static let config = ModelConfig(width: 16, heads: 2, layers: 2, mlpWidth: 64, vocabularySize: 30, maxLength: 32)

    /// A checkpoint of `architecture` with the letters' tokenizer (or none).
    func checkpoint(_ architecture: Architecture, tokenizer: Bool = true, _ name: String = #function) throws -> (URL, TransformerModel) {
        let folder = try temporaryFolder(name).appendingPathComponent("ckpt")
        let model = try TransformerModel.random(architecture, Self.config, seed: 11)
        try Checkpoint.save(model: model, tokenizerJSON: tokenizer ? try Self.letters.json() : nil, to: folder)
        return (folder, model)
    }

    @Test func traceRunsTheCheckpointOnItsOwnWords() throws {
        let (folder, model) = try checkpoint(.decoderOnly)
        let npy = try temporaryFolder("checkpointTraceNpy")
        let result = attnlab("trace", "--model", folder.path, "--text", "c a f e b", "--hooks", "logits", "--npy", npy.path)
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.contains("decoder tokens (6): <bos> c a f e b"))
        #expect(result.out.first?.hasPrefix("decoder-only checkpoint \(folder.path) (width 16, 2 heads, 2 layers)") == true)
        let logits = try Npy.decode(Data(contentsOf: npy.appendingPathComponent("logits.npy")))
        #expect(logits == (try model.forward(ModelInput(decoder: [2, 6, 4, 9, 8, 5]))))
    }

    @Test func generateAndBothChecksWorkWithACheckpoint() throws {
        let (folder, _) = try checkpoint(.decoderOnly)
        for arguments in [["generate", "--text", "c a f", "--steps", "3", "--brief"],
                          ["check", "teacher-forcing", "--text", "c a f e b", "--runs", "1", "--warmup", "0"],
                          ["check", "causality", "--text", "c a f e b", "--to", "x"],
                          ["check", "causality", "--text", "c a f e b", "--to", "x", "--bare"],
                          ["hooks", "--tokens", "3"]] {
            let result = attnlab(arguments + ["--model", folder.path])
            #expect(result.status == 0, "\(arguments): \(result.err)")
        }
        let causality = attnlab("check", "causality", "--model", folder.path, "--text", "c a f e b", "--to", "x")
        #expect(causality.out.contains("changed the decoder's token at position 3: 'f' → 'x'"))
        #expect(causality.out.contains("positions before 3: all unchanged, bit for bit"))
    }

    @Test func anEncoderDecoderCheckpointFramesWithItsOwnSpecials() throws {
        let (folder, _) = try checkpoint(.encoderDecoder)
        let trace = attnlab("trace", "--model", folder.path, "--text", "a b c", "--target", "x y")
        #expect(trace.status == 0, "\(trace.err)")
        #expect(trace.out.contains("encoder tokens (4): a b c <eos>"))
        #expect(trace.out.contains("decoder tokens (3): <bos> x y"))
        let generate = attnlab("generate", "--model", folder.path, "--text", "a b c", "--steps", "2", "--brief")
        #expect(generate.status == 0, "\(generate.err)")
        #expect(generate.out.contains("decoder start (1 token): <bos>"))
    }

    @Test func withoutATokenizerIdsAreTheirOwnLabels() throws {
        let (folder, _) = try checkpoint(.decoderOnly, tokenizer: false)
        let ids = attnlab("trace", "--model", folder.path, "--ids", "2", "7", "9")
        #expect(ids.status == 0, "\(ids.err)")
        #expect(ids.out.contains("decoder tokens (3): 2 7 9"))
        let text = attnlab("trace", "--model", folder.path, "--text", "a b")
        #expect(text.err == ["attnlab: --text: the checkpoint \(folder.path) has no tokenizer.json; give token ids (--ids) instead of text"])
    }

    @Test func mistakesGetOneLineNamingThem() throws {
        let (folder, _) = try checkpoint(.decoderOnly)
        let (encoder, _) = try checkpoint(.encoderOnly, "encoderOnlyCheckpoint")
        let cases: [([String], String)] = [
            (["trace", "--model", folder.path, "--text", "c cat a"],
             "attnlab: --text: 'cat' is not in the checkpoint's vocabulary (tokenizer.json); words are split on whitespace and matched exactly"),
            (["trace", "--model", folder.path, "--arch", "decoder-only", "--seed", "2", "--text", "a"],
             "attnlab: --model loads a checkpoint, whose architecture, size and weights are its own: leave out --arch, --seed"),
            (["trace", "--model", folder.path, "--preset", "nano", "--width", "8", "--text", "a"],
             "attnlab: --model loads a checkpoint, whose architecture, size and weights are its own: leave out --preset, --width"),
            (["trace", "--model", folder.path + "-missing", "--text", "a"], "attnlab: \(folder.path)-missing: no such model folder"),
            (["check", "causality", "--model", folder.path, "--text", "c a f", "--to", "dog"],
             "attnlab: --to 'dog' must be a word of the checkpoint's vocabulary, different from 'a'"),
            (["generate", "--model", encoder.path, "--text", "a b"],
             "attnlab: an encoder-only model does not generate; this checkpoint is encoder-only"),
            (["check", "teacher-forcing", "--model", encoder.path, "--text", "a b"],
             "attnlab: teacher forcing is about generating models; this checkpoint is encoder-only"),
        ]
        for (arguments, line) in cases {
            let result = attnlab(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.err == [line], "\(arguments)")
        }
        try Data("{".utf8).write(to: folder.appendingPathComponent("config.json"))
        #expect(attnlab("trace", "--model", folder.path, "--text", "a").err == ["attnlab: \(folder.path)/config.json: is not valid JSON"])
    }
}
