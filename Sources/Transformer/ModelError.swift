/// What can go wrong when a model is given input or weights; each reads as one line for a user.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case emptyInput(stack: Stack)
    case tooLong(stack: Stack, tokens: Int, maxLength: Int)
    case idOutOfRange(id: Int, vocabularySize: Int)
    case missingInput(stack: Stack, architecture: Architecture)
    case unexpectedInput(stack: Stack, architecture: Architecture)
    case missingMemory
    case emptyBatch
    case hookShape(point: String, expected: [Int], got: [Int])
    case weights(String)
    case config(String)
    case configField(field: String, problem: String)
    case labels(String)
    /// A backward pass asked of a model that uses a feature only the forward pass supports.
    case trainingUnsupported(features: [String])

    public var description: String {
        switch self {
        case .emptyInput(let stack):
            "the \(stack.rawValue) input is empty: give at least one token"
        case let .tooLong(stack, tokens, maxLength):
            "the \(stack.rawValue) input has \(tokens) tokens, more than this model's maximum of \(maxLength); shorten it (or, for a built-in model, use a larger --preset)"
        case let .idOutOfRange(id, size):
            "token id \(id) is out of range: this model's ids are 0...\(size - 1)"
        case let .missingInput(stack, architecture):
            "an \(architecture.rawValue) model needs \(stack == .decoder ? "a decoder (target) input" : "an encoder input")"
        case let .unexpectedInput(stack, architecture):
            "an \(architecture.rawValue) model has no \(stack.rawValue); it takes no \(stack == .decoder ? "target" : "encoder input")"
        case .missingMemory:
            "an encoder-decoder model's decoder cross-attends to the encoder's output: pass the memory that encode() returned"
        case .emptyBatch:
            "the batch is empty: give at least one input"
        case let .hookShape(point, expected, got):
            "the hook at \(point) returned shape \(got); it must return \(expected)"
        case .weights(let what):
            "weights do not fit the model: \(what)"
        case let .configField(field, problem):
            "config.json: field '\(field)' \(problem)"
        case .config(let what):
            "invalid model configuration: \(what)"
        case .labels(let what):
            "labels do not fit the batch: \(what)"
        case .trainingUnsupported(let features):
            "training supports learned, sinusoidal and relative positions, gelu and relu MLPs, and one key/value head per query head with width/heads each; this model uses \(features.joined(separator: ", "))"
        }
    }
}
