import Foundation
import TensorCore
import Transformer
@testable import Checkpoints

/// A fresh empty folder under the system's temporary folder.
func temporaryFolder(_ name: String = #function) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("attnlab-checkpoint-tests-\(ProcessInfo.processInfo.processIdentifier)")
        .appendingPathComponent(name.filter { $0.isLetter || $0.isNumber })
    try? FileManager.default.removeItem(at: url)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The committed fixtures folder.
func fixtures() throws -> URL {
    guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
        throw CheckpointError(path: "Fixtures", problem: "not in the test bundle")
    }
    return url
}

/// The fixture checkpoint's shape: width 16, 2 heads, 2 layers, 30 ids, 32 positions.
let fixtureConfig = ModelConfig(width: 16, heads: 2, layers: 2, mlpWidth: 64, vocabularySize: 30, maxLength: 32)

/// Its tokenizer: four specials and the 26 letters.
let fixtureTokenizer = CheckpointTokenizer(
    vocabulary: ["[PAD]", "[UNK]", "<bos>", "<eos>"] + "abcdefghijklmnopqrstuvwxyz".map(String.init), unknown: "[UNK]")

/// A model with every parameter random, norms and biases included (a seeded model starts with
/// γ = 1 and zero biases, which would hide a bias stored in the wrong place).
func fullyRandomModel(_ architecture: Architecture, _ config: ModelConfig, seed: UInt64) throws -> TransformerModel {
    var model = try TransformerModel.random(architecture, config, seed: seed)
    var rng = SeededGenerator(seed: seed &+ 1000)
    model.weights.visit { name, tensor in
        guard tensor.rank == 1 else { return }
        let noise = rng.uniformTensor(shape: tensor.shape, std: 0.1)
        let base: Float = name.hasSuffix("norm.weight") ? 1 : 0
        tensor = Tensor(shape: tensor.shape, scalars: noise.scalars.map { base + $0 })
    }
    return model
}

/// Every parameter by name.
func parameters(_ model: TransformerModel) -> [String: Tensor] {
    var weights = model.weights
    var out: [String: Tensor] = [:]
    weights.visit { name, tensor in out[name] = tensor }
    return out
}
