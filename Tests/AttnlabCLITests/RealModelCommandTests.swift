import Foundation
import Testing
import TensorCore
@testable import AttnlabCLI

/// The command contract for real checkpoints: `trace --model PATH (--text | --ids) … --npy OUT`
/// on the Hugging Face fixtures that transformers made (Tests/CheckpointsTests/Fixtures/hf), and
/// on all-MiniLM-L6-v2 when `.ci/fetch-minilm` has put it in Output/models/.
@Suite struct RealModelCommandTests {
    static let hf = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("CheckpointsTests/Fixtures/hf")

    func expected(_ name: String) throws -> [String: Tensor] {
        try SafeTensors.read(Self.hf.appendingPathComponent("\(name)-expected.safetensors"))
    }

    func ids(_ tensor: Tensor?) -> [Int] { (tensor?.scalars ?? []).map { Int($0) } }

    func tokensJSON(_ folder: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("tokens.json"))) as? [String: Any] ?? [:]
    }

    func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        a.shape == b.shape ? zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0 : .infinity
    }

    @Test(arguments: ["bert", "gpt2", "t5-v1_0", "bart", "llama", "qwen2"])
    func traceWritesWhatTransformersComputed(model: String) throws {
        let reference = try expected(model)
        let out = try temporaryFolder("realTrace-\(model)")
        var arguments = ["trace", "--model", Self.hf.appendingPathComponent(model).path, "--hooks", "*.pattern,logits", "--npy", out.path]
        let (encoder, decoder) = (ids(reference["encoder.ids"]), ids(reference["decoder.ids"]))
        if !encoder.isEmpty { arguments += ["--ids", encoder.map(String.init).joined(separator: ",")] }
        if !decoder.isEmpty {
            arguments += [encoder.isEmpty ? "--ids" : "--target-ids", decoder.map(String.init).joined(separator: ",")]
        }
        let result = attnlab(arguments)
        #expect(result.status == 0, "\(result.err)")
        // The ids go in exactly as given: no special tokens added.
        let streams = try tokensJSON(out)["tokens"] as? [String: [String: Any]] ?? [:]
        if !encoder.isEmpty { #expect(streams["encoder"]?["ids"] as? [Int] == encoder) }
        if !decoder.isEmpty { #expect(streams["decoder"]?["ids"] as? [Int] == decoder) }
        for (name, tensor) in reference where name.hasSuffix(".pattern") || name == "logits" {
            let written = try Npy.decode(Data(contentsOf: out.appendingPathComponent("\(name).npy")))
            #expect(maxDifference(written, tensor) <= 1e-4, "\(model) \(name)")
        }
    }

    @Test(arguments: ["gpt2", "t5-v1_0", "bart"])
    func generateChoosesTransformersTokens(model: String) throws {
        let reference = try expected(model)
        // An encoder-decoder model reads its encoder ids, and its decoder starts where the
        // checkpoint says (which the prompt transformers used must be).
        let encoder = ids(reference["encoder.ids"]), tokens = ids(reference["generate.tokens"])
        let prompt = encoder.isEmpty ? ids(reference["generate.prompt"]) : encoder
        let result = attnlab("generate", "--model", Self.hf.appendingPathComponent(model).path,
                             "--ids", prompt.map(String.init).joined(separator: ","), "--steps", "\(tokens.count)", "--brief", "--json")
        if !encoder.isEmpty {
            #expect(result.out.contains { $0.hasPrefix("decoder start (1 token):") && $0.hasSuffix(": \(ids(reference["generate.prompt"])[0])") },
                    "\(result.out)")
        }
        #expect(result.status == 0, "\(result.err)")
        let line = try JSONSerialization.jsonObject(with: Data((result.out.last ?? "").utf8)) as? [String: Any]
        #expect(line?["tokens"] as? [Int] == tokens, "\(model)")
    }

    /// all-MiniLM-L6-v2, when .ci/fetch-minilm has fetched it into Output/models/.
    static var miniLMIsPresent: Bool {
        FileManager.default.fileExists(atPath: ModelLocation.modelsFolder + "/all-MiniLM-L6-v2/model.safetensors")
    }

    @Test(.enabled(if: miniLMIsPresent, "all-MiniLM-L6-v2 is not in Output/models/: run .ci/fetch-minilm"))
    func miniLMReadsTextAsTransformersTokenizes() throws {
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.hf.appendingPathComponent("minilm-ids.json")))
        let sentences = (expected as? [String: Any])?["sentences"] as? [[String: Any]] ?? []
        #expect(sentences.count >= 3)
        for sentence in sentences {
            let text = sentence["text"] as? String ?? ""
            let out = try temporaryFolder("miniLMText")
            let result = attnlab("trace", "--model", "all-MiniLM-L6-v2", "--text", text, "--npy", out.path)
            #expect(result.status == 0, "\(result.err)")
            let streams = try tokensJSON(out)["tokens"] as? [String: [String: Any]] ?? [:]
            #expect(streams["encoder"]?["ids"] as? [Int] == sentence["ids"] as? [Int], "\(text)")
        }
    }

    @Test(.enabled(if: miniLMIsPresent, "all-MiniLM-L6-v2 is not in Output/models/: run .ci/fetch-minilm"))
    func aLessonCanOpenMiniLMByName() throws {
        let folder = try temporaryFolder("miniLMLesson")
        try """
            # Real BERT
            ## A real model
            ```attnlab
            attnlab trace --model all-MiniLM-L6-v2 --text "the bank of the river" --png --draw layers
            ```
            """.write(to: folder.appendingPathComponent("01-real.md"), atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let result = attnlab("lesson", "real", "--all", "--lessons", folder.path, "--out", out.path)
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.contains { $0.contains("[CLS] the bank of the river [SEP]") })
        let pictures = try FileManager.default.subpathsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".png") }
        #expect(pictures.count == 6)
    }
}
