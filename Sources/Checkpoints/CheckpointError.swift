import Foundation

/// Why a checkpoint folder could not be read or written: one line naming the file (inside its
/// folder) and what is wrong with it, e.g.
/// `runs/tiny/model.safetensors: tensor 'transformer.h.0.ln_1.bias' is missing`.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    /// The file or folder the problem is in, as a path.
    public let path: String
    /// What is wrong, as the rest of the sentence.
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    /// A problem with one file of `folder`.
    init(_ folder: URL, _ file: String, _ problem: String) {
        self.init(path: folder.appendingPathComponent(file).path, problem: problem)
    }

    public var description: String { "\(path): \(problem)" }
}

/// A shape as a user reads it: [16, 48].
func describe(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
