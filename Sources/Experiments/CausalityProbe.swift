import TensorCore
import Transformer

/// Change one token and measure how far every output position moves: the experiment behind
/// "a decoder ignores the future". A causal stack's positions before the change move by exactly
/// 0 (bit for bit); a bidirectional stack's move everywhere.
public struct CausalityProbe: Sendable {
    /// The stack whose token is changed, and the stack whose positions are measured (the last one).
    public let changedStack: Stack
    public let outputStack: Stack
    public let position: Int
    /// Per output position: the largest |Δ| of its logits over the vocabulary.
    public let change: [Float]

    /// Whether the changed token sits in the stream whose positions are measured.
    public var changeIsInOutput: Bool { changedStack == outputStack }

    /// Output positions before the changed one that moved at all (0 for a causal stack).
    public var movedBefore: Int { changeIsInOutput ? change.prefix(position).filter { $0 != 0 }.count : 0 }
    /// Output positions from the changed one on that moved.
    public var movedFrom: Int { change.suffix(from: changeIsInOutput ? position : 0).filter { $0 != 0 }.count }

    /// Runs `input` and the same input with `stack`'s token at `position` replaced by `newToken`.
    public init(_ model: TransformerModel, input: ModelInput, changing stack: Stack, at position: Int, to newToken: Int) throws {
        guard var tokens = input.tokens(stack) else {
            throw ExperimentError("an \(model.architecture.rawValue) model has no \(stack.rawValue) to change a token in")
        }
        guard tokens.indices.contains(position) else {
            throw ExperimentError("position \(position) is outside the \(stack.rawValue) input's positions 0...\(tokens.count - 1)")
        }
        guard tokens[position] != newToken else {
            throw ExperimentError("the new token must differ from the one at position \(position)")
        }
        tokens[position] = newToken
        var changed = input
        if stack == .encoder { changed.encoder = tokens } else { changed.decoder = tokens }
        let before = try model.forward(input), after = try model.forward(changed)
        self.changedStack = stack
        self.outputStack = model.architecture == .encoderOnly ? .encoder : .decoder
        self.position = position
        self.change = (0..<before.shape[0]).map { row in
            zip(before.row(row), after.row(row)).reduce(Float(0)) { Swift.max($0, abs($1.0 - $1.1)) }
        }
    }
}

/// A request an experiment cannot carry out, in one line.
public struct ExperimentError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
