import Foundation
import TensorCore

/// The tensors a configuration asks for, by the names a layout writes them under, in a fixed order.
struct ExpectedTensors {
    var entries: [(name: String, shape: [Int])] = []

    mutating func add(_ name: String, _ shape: [Int]) { entries.append((name, shape)) }

    /// Checks the tensors of model.safetensors against the list: the first tensor missing or of
    /// the wrong shape, in the list's order, then the first left over, in name order; each is named.
    func check(_ found: [String: Tensor], folder: URL) throws {
        func problem(_ text: String) -> CheckpointError { CheckpointError(folder, Checkpoint.weightsFile, text) }
        for (name, shape) in entries {
            guard let tensor = found[name] else {
                throw problem("tensor '\(name)' is missing; config.json asks for one of shape \(describe(shape))")
            }
            guard tensor.shape == shape else {
                throw problem("tensor '\(name)' is \(describe(tensor.shape)), but config.json makes it \(describe(shape))")
            }
        }
        let known = Set(entries.map(\.name))
        if let extra = found.keys.filter({ !known.contains($0) }).sorted().first {
            throw problem("tensor '\(extra)' has no place in the model config.json describes")
        }
    }
}

extension Tensor {
    /// A matrix [r, c] turned into [c, r]: GPT-2's Conv1D layers keep [in, out] where attnlab's
    /// linear layers (like PyTorch's nn.Linear) keep [out, in].
    var transposed: Tensor {
        let (rows, cols) = (shape[0], shape[1])
        var out = [Float](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { source in
            for r in 0..<rows {
                for c in 0..<cols { out[c * rows + r] = source[r * cols + c] }
            }
        }
        return Tensor(shape: [cols, rows], scalars: out)
    }

    /// Matrices with the same number of columns stacked on top of each other.
    static func stackingRows(_ parts: [Tensor]) -> Tensor {
        let cols = parts.first?.shape.last ?? 0
        let rows = parts.reduce(0) { $0 + $1.shape[0] }
        return Tensor(shape: [rows, cols], scalars: parts.flatMap(\.scalars))
    }

    /// Vectors joined end to end.
    static func joining(_ parts: [Tensor]) -> Tensor {
        let scalars = parts.flatMap(\.scalars)
        return Tensor(shape: [scalars.count], scalars: scalars)
    }

    /// `count` equal pieces along the first axis (rows of a matrix, stretches of a vector).
    func split(_ count: Int) -> [Tensor] {
        let length = shape[0] / count
        return (0..<count).map { rows(($0 * length)..<(($0 + 1) * length)) }
    }
}
