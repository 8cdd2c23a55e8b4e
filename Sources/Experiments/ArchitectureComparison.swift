import Transformer

/// The three architectures side by side on sequences of one length: parameters and FLOPs at equal
/// width and depth, at an equal parameter budget, and the training targets one sequence provides.
/// An encoder-decoder model splits the sequence into a source half and a target half, so all three
/// process the same text.
public struct ArchitectureComparison: Sendable {
    public let config: ModelConfig
    public let tokens: Int
    /// At the configuration's depth (an encoder-decoder has that many layers in each stack).
    public let equalDepth: [ModelCount]
    /// The budget, and each architecture at the depth whose count comes closest to it.
    public let budget: Int
    public let equalBudget: [ModelCount]
    public let causalLMTargets: Int
    public let maskedLMTargets: Int
    public let sequenceToSequenceTargets: Int

    /// `budget` defaults to the encoder-decoder's count at the configuration's depth.
    public init(_ config: ModelConfig, tokens: Int, budget: Int? = nil) {
        self.config = config
        self.tokens = tokens
        let all = Architecture.allCases
        equalDepth = all.map { Self.count($0, config, tokens: tokens) }
        let budget = budget ?? Self.count(.encoderDecoder, config, tokens: tokens).parameters
        self.budget = budget
        equalBudget = all.map { architecture in
            let (encoder, decoder) = Self.split(architecture, tokens: tokens)
            var c = config
            c.layers = ModelCount.layers(for: budget, architecture, config, encoderTokens: encoder, decoderTokens: decoder)
            return Self.count(architecture, c, tokens: tokens)
        }
        let target = Self.split(.encoderDecoder, tokens: tokens).decoder
        causalLMTargets = TrainingSignal.causalLM(tokens: tokens)
        maskedLMTargets = TrainingSignal.maskedLM(tokens: tokens)
        sequenceToSequenceTargets = TrainingSignal.sequenceToSequence(targetTokens: target)
    }

    /// Tokens each stack of `architecture` processes for one sequence of `tokens`.
    public static func split(_ architecture: Architecture, tokens: Int) -> (encoder: Int, decoder: Int) {
        switch architecture {
        case .encoderOnly: (tokens, 0)
        case .decoderOnly: (0, tokens)
        case .encoderDecoder: (tokens / 2, tokens - tokens / 2)
        }
    }

    public static func count(_ architecture: Architecture, _ config: ModelConfig, tokens: Int) -> ModelCount {
        let (encoder, decoder) = split(architecture, tokens: tokens)
        return ModelCount(architecture, config, encoderTokens: encoder, decoderTokens: decoder)
    }

    /// Parameters of each architecture at each depth in `depths` (for a plot).
    public func parametersByDepth(_ depths: [Int]) -> [(architecture: Architecture, parameters: [Int])] {
        Architecture.allCases.map { architecture in
            (architecture, depths.map { layers in
                var c = config
                c.layers = layers
                return Self.count(architecture, c, tokens: tokens).parameters
            })
        }
    }
}
