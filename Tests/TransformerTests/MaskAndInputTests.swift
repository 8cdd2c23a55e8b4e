import Testing
import TensorCore
@testable import Transformer

@Suite struct MaskTests {
    func cells(_ grid: Tensor) -> [[Int]] {
        (0..<grid.shape[0]).map { i in grid.row(i).map { Int($0) } }
    }

    @Test func namedMasks() {
        #expect(cells(causal().grid(3)) == [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
        #expect(cells(bidirectional().grid(2)) == [[1, 1], [1, 1]])
        #expect(cells(prefixLM(2).grid(4)) == [[1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]])
        #expect(cells(slidingWindow(2).grid(4)) == [[1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]])
        #expect(cells(padding(valid: 2).grid(3)) == [[1, 1, 0], [1, 1, 0], [1, 1, 0]])
        #expect(cells(cross(validSource: 3).grid(queries: 0..<2, keys: 4)) == [[1, 1, 1, 0], [1, 1, 1, 0]])
    }

    @Test func rulesCombineWithAnd() {
        let rule = causal() && padding(valid: 2)
        #expect(cells(rule.grid(3)) == [[1, 0, 0], [1, 1, 0], [1, 1, 0]])
        #expect(rule.name == "causal & padding(2)")
    }

    @Test func cachedQueriesSeeTheirAbsolutePositions() {
        // Query at position 3 of a sequence, with 4 keys in the cache: it sees all of them.
        #expect(cells(causal().grid(queries: 3..<4, keys: 4)) == [[1, 1, 1, 1]])
        #expect(cells(slidingWindow(2).grid(queries: 3..<4, keys: 4)) == [[0, 0, 1, 1]])
    }
}

@Suite struct InputTests {
    @Test func badInputIsAnErrorNotACrash() throws {
        let model = try tinyModel(.decoderOnly)
        let max = model.config.maxLength
        #expect(throws: ModelError.emptyInput(stack: .decoder)) { try model.forward(ModelInput(decoder: [])) }
        #expect(throws: ModelError.tooLong(stack: .decoder, tokens: max + 1, maxLength: max)) {
            try model.forward(ModelInput(decoder: Array(repeating: 7, count: max + 1)))
        }
        #expect(throws: ModelError.idOutOfRange(id: 9999, vocabularySize: model.config.vocabularySize)) {
            try model.forward(ModelInput(decoder: [5, 9999]))
        }
        #expect(throws: ModelError.unexpectedInput(stack: .encoder, architecture: .decoderOnly)) {
            try model.forward(ModelInput(encoder: [1], decoder: [5]))
        }
        #expect(throws: ModelError.missingInput(stack: .encoder, architecture: .encoderDecoder)) {
            try tinyModel(.encoderDecoder).forward(ModelInput(decoder: [5]))
        }
        var config = Preset.tiny.config()
        config.heads = 5
        #expect(throws: ModelError.self) { try TransformerModel.random(.decoderOnly, config, seed: 1) }
    }

    @Test func sameSeedSameModel() throws {
        let a = try tinyModel(.encoderDecoder, seed: 9).forward(sampleInput(.encoderDecoder))
        let b = try tinyModel(.encoderDecoder, seed: 9).forward(sampleInput(.encoderDecoder))
        let c = try tinyModel(.encoderDecoder, seed: 10).forward(sampleInput(.encoderDecoder))
        #expect(a == b)
        #expect(a != c)
    }

    @Test func gpt2SmallHasGPT2sParameterCount() {
        // GPT-2 small: 124,439,808 parameters with the unembedding tied to the token embedding.
        let weights = ModelWeights.zeros(Preset.gpt2Small.config(), .decoderOnly)
        #expect(weights.parameterCount == 124_439_808)
    }
}

@Suite struct TokenizerTests {
    let tokenizer = BuiltinTokenizer.shared

    @Test func wordsPunctuationDigitsAndSpecials() {
        let tokens = tokenizer.encode("The cat sat, 42 times!", for: .encoder, of: .encoderOnly)
        #expect(tokens.map(\.text) == ["[CLS]", "The", "cat", "sat", ",", "4", "2", "times", "!", "[SEP]"])
        #expect(tokens[1].id == tokenizer.id("the"))
        #expect(tokens[7].id == tokenizer.id(BuiltinTokenizer.unknown))     // "times" is not in the list
        #expect(tokenizer.encode("hi", for: .decoder, of: .decoderOnly).first?.text == "<bos>")
        #expect(tokenizer.encode("hi", for: .encoder, of: .encoderDecoder).last?.text == "<eos>")
        #expect(tokenizer.tokenize("   ").isEmpty)
    }

    @Test func everyVocabularyWordRoundTrips() {
        for (id, word) in tokenizer.vocabulary.enumerated() where !word.hasPrefix("[") && !word.hasPrefix("<") {
            #expect(tokenizer.tokenize(word).map(\.id) == [id], "\(word)")
        }
    }
}

@Suite struct PositionTests {
    @Test func t5BucketsFollowT5() {
        // Small distances are exact; larger ones share log-spaced buckets; a bidirectional stack
        // gives keys to the right of the query the upper half.
        let b = { relativePositionBucket($0, bidirectional: true, buckets: 32, maxDistance: 128) }
        #expect((0..<8).map { b(-$0) } == Array(0..<8))
        #expect(b(1) == 17)
        #expect(b(-200) == 15 && b(200) == 31)
        let u = { relativePositionBucket($0, bidirectional: false, buckets: 32, maxDistance: 128) }
        #expect(u(5) == 0)
        #expect(u(-15) == 15)
        #expect(u(-16) == 16)
        #expect(u(-1000) == 31)
    }
}

@Suite struct CountingTests {
    /// The analytic counts agree with the weights the model really has and with the matrix-product
    /// FLOPs a forward pass really performs.
    @Test(arguments: Architecture.allCases)
    func countsMatchWeightsAndMeasuredFlops(architecture: Architecture) throws {
        for config in [Preset.tiny.config(), referenceLikeT5Config()] + newShapeConfigs() {
            let model = try TransformerModel.random(architecture, config, seed: 1)
            let input = sampleInput(architecture)
            let count = ModelCount(architecture, config, encoderTokens: input.encoder?.count ?? 0,
                                   decoderTokens: input.decoder?.count ?? 0)
            #expect(count.parameters == model.weights.parameterCount)
            let (_, flops) = try FlopCounter.measure { try model.forward(input) }
            #expect(count.flops == flops, "\(architecture): counted \(count.flops), measured \(flops)")
        }
    }

    @Test func equalBudgetGivesTheDecoderMoreLayers() {
        let config = Preset.small.config()
        let budget = ModelCount(.encoderDecoder, config, encoderTokens: 64, decoderTokens: 64).parameters
        let decoderLayers = ModelCount.layers(for: budget, .decoderOnly, config, encoderTokens: 0, decoderTokens: 64)
        #expect(decoderLayers > config.layers)
        #expect(TrainingSignal.causalLM(tokens: 128) == 127)
        #expect(TrainingSignal.maskedLM(tokens: 128) == 19)
    }

    func referenceLikeT5Config() -> ModelConfig {
        ModelConfig(width: 32, heads: 4, layers: 2, mlpWidth: 48, vocabularySize: 600, maxLength: 64, normKind: .rmsNorm,
                    positions: .relativeBias(buckets: 8, maxDistance: 16), scoreScaling: .none, activation: .relu,
                    biases: false, tiedEmbeddings: false)
    }
}

@Suite struct TokenizerProtocolTests {
    /// Code written against the protocol works with the built-in tokenizer.
    func framedIDs(_ tokenizer: some Tokenizer, _ text: String) -> [Int] {
        tokenizer.encode(text, for: .decoder, of: .decoderOnly).map(\.id)
    }

    @Test func builtinTokenizerIsATokenizer() throws {
        let tokenizer: any Tokenizer = BuiltinTokenizer.shared
        let ids = framedIDs(BuiltinTokenizer.shared, "the cat")
        #expect(tokenizer.tokens(ids: ids).map(\.text) == ["<bos>", "the", "cat"])
        #expect(tokenizer.label(ids[1]) == "the")
        #expect(tokenizer.label(-1) == "#-1" && tokenizer.label(tokenizer.vocabularySize) == "#\(tokenizer.vocabularySize)")
        #expect(Preset.tiny.config().vocabularySize == tokenizer.vocabularySize)
        #expect(Preset.tiny.config(vocabularySize: 100).vocabularySize == 100)
        _ = try TransformerModel.random(.decoderOnly, Preset.nano.config(vocabularySize: tokenizer.vocabularySize), seed: 1)
            .forward(ModelInput(decoder: ids))
    }
}
