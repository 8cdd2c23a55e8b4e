import Transformer

/// The built-in tasks. Each is generated on the fly from a seed and never stored.
public enum TaskKind: String, CaseIterable, Sendable {
    /// Repeat the symbols. Needs a model that writes an output after reading the input.
    case copy
    /// Write the symbols backwards: position i of the output reads input position n−1−i.
    case reverse
    /// Write the symbols in alphabetical order.
    case sort
    /// Label each symbol with how often it occurs in the whole sequence: needs the right-hand
    /// context, so a causal model cannot get the early positions right.
    case count
    /// Next-word prediction on the built-in synthetic language (decoder-only).
    case lm
    /// Masked-word prediction on the same language, BERT-style (encoder-only).
    case mlm

    /// Whether the task uses the symbols a…z (the others use the language's words).
    public var usesSymbols: Bool { self != .lm && self != .mlm }

    /// Why the task makes no sense for `architecture`, or nil if it does.
    public func refusal(for architecture: Architecture) -> String? {
        switch (self, architecture) {
        case (.copy, .encoderOnly):
            "an encoder-only model labels each input position in place, so copying would only be the identity; try reverse or sort, or a decoder"
        case (.lm, .encoderOnly), (.lm, .encoderDecoder):
            "lm is next-word prediction over one stream: it needs a decoder-only model (an encoder-only model has mlm)"
        case (.mlm, .decoderOnly), (.mlm, .encoderDecoder):
            "mlm fills in masked words seeing both sides of them: it needs an encoder-only model (a decoder-only model has lm)"
        default:
            nil
        }
    }
}

/// One training example: what the model reads and, per output position, the token it should
/// predict there (`ignoreLabel` where there is no loss).
///
/// Output positions are those of the last stack: the decoder's for decoder-only and encoder-decoder
/// models, the encoder's for encoder-only ones. A decoder reads the target shifted right (teacher
/// forcing), so position p's label is the token after p.
public struct Example: Sendable, Equatable {
    public let input: ModelInput
    public let labels: [Int]
    /// The first output position of the target; position p is target index p − targetStart, which
    /// is what `Evaluation.accuracyByPosition` is indexed by.
    public let targetStart: Int

    public init(input: ModelInput, labels: [Int], targetStart: Int) {
        self.input = input
        self.labels = labels
        self.targetStart = targetStart
    }

    /// The label that means "no loss here", as PyTorch's `ignore_index`.
    public static let ignoreLabel = -100

    /// The positions that carry a label.
    public var labelledPositions: [Int] { labels.indices.filter { labels[$0] != Self.ignoreLabel } }
}

/// What can go wrong when a task is set up or asked for something; each reads as one line for a user.
public enum TaskError: Error, CustomStringConvertible, Equatable {
    case unsupported(task: TaskKind, architecture: Architecture, reason: String)
    case symbols(Int)
    case length(Int, allowed: ClosedRange<Int>, task: TaskKind)
    case unknownSymbol(String, task: String)
    case inputLength(Int, allowed: ClosedRange<Int>)
    case evaluation(String)

    public var description: String {
        switch self {
        case let .unsupported(task, architecture, reason):
            "the \(task.rawValue) task does not fit the \(architecture.rawValue) architecture: \(reason)"
        case .symbols(let k):
            "a task has 2...26 symbols (a, b, …), not \(k)"
        case let .length(n, allowed, task):
            "\(task.rawValue) sequences have a length in \(allowed.lowerBound)...\(allowed.upperBound), not \(n)"
        case let .unknownSymbol(word, task):
            "\"\(word)\" is not an input word of \(task)"
        case let .inputLength(n, allowed):
            "the input has \(n) words; this task takes \(allowed.lowerBound)...\(allowed.upperBound)"
        case .evaluation(let what):
            "cannot evaluate: \(what)"
        }
    }
}
