import Foundation
import Testing
import TensorCore
import Transformer
@testable import Checkpoints

/// A model read from a Hugging Face checkpoint, saved again: either attnlab's layout holds all of
/// it and it loads back computing the same logits, or `save` refuses in one line and writes nothing.
@Suite struct SavingLoadedModelsTests {
    @Test(arguments: ["bert", "gpt2", "t5-v1_0", "t5-v1_1", "bart", "llama", "qwen2"])
    func savedAgainItLoadsTheSameOrIsRefused(name: String) throws {
        let loaded = try Checkpoint.load(from: try hfFixtures().appendingPathComponent(name))
        let folder = try temporaryFolder("resave-\(name)").appendingPathComponent("model")
        do {
            try Checkpoint.save(model: loaded.model, tokenizerJSON: nil, to: folder)
        } catch let error as CheckpointError {
            #expect(!error.description.contains("\n"))
            #expect(!FileManager.default.fileExists(atPath: folder.path), "a refused save left \(folder.path)")
            return
        }
        let again = try Checkpoint.load(from: folder).model
        let input = loaded.model.architecture == .encoderOnly ? ModelInput(encoder: [1, 5, 9, 2])
            : loaded.model.architecture == .decoderOnly ? ModelInput(decoder: [1, 5, 9, 2])
            : ModelInput(encoder: [1, 5, 9, 2], decoder: [0, 7, 3])
        #expect(try again.forward(input) == loaded.model.forward(input), "\(name)")
    }
}
