import Testing
import TensorCore
@testable import Transformer

/// The model-level API: labels, predictions, padding, the ModelWeights helpers, and a few steps of
/// gradient descent that must lower the loss.
@Suite struct LossAndGradientsTests {
    static func model(_ architecture: Architecture, placement: NormPlacement = .pre) throws -> TransformerModel {
        var config = ModelConfig(width: 16, heads: 2, layers: 2, mlpWidth: 32, vocabularySize: 20, maxLength: 16)
        config.normPlacement = placement
        return try TransformerModel.random(architecture, config, seed: 7)
    }

    static func batch(_ architecture: Architecture) -> (inputs: [ModelInput], labels: [[Int]]) {
        let (a, b) = ([1, 2, 3, 4, 5, 6], [7, 8, 9])
        switch architecture {
        case .encoderOnly: return ([ModelInput(encoder: a), ModelInput(encoder: b)], [[2, 3, -100, 5, 6, 7], [8, -100, 10]])
        case .decoderOnly: return ([ModelInput(decoder: a), ModelInput(decoder: b)], [[2, 3, -100, 5, 6, 7], [8, -100, 10]])
        case .encoderDecoder:
            return ([ModelInput(encoder: b, decoder: a), ModelInput(encoder: a + [11], decoder: b)], [[2, 3, -100, 5, 6, 7], [8, -100, 10]])
        }
    }

    /// A padded batch's gradient is the count-weighted mean of its sequences' own gradients.
    @Test(arguments: Architecture.allCases)
    func paddingChangesNothing(architecture: Architecture) throws {
        let model = try Self.model(architecture, placement: architecture == .decoderOnly ? .post : .pre)
        let (inputs, labels) = Self.batch(architecture)
        let both = try model.lossAndGradients(batch: inputs, labels: labels)
        let counts = labels.map { $0.filter { $0 != CrossEntropy.ignoreLabel }.count }
        let total = Float(counts.reduce(0, +))
        var expected = ModelWeights.zeros(like: model.weights)
        var loss: Float = 0
        for b in 0..<2 {
            let one = try model.lossAndGradients(batch: [inputs[b]], labels: [labels[b]])
            expected.add(one.gradients, scaled: Float(counts[b]) / total)
            loss += one.loss * Float(counts[b]) / total
        }
        #expect(abs(both.loss - loss) <= 1e-5 * loss)
        var worst: Float = 0
        var copy = both.gradients
        copy.update(with: expected) { _, got, want in
            let scale = want.scalars.reduce(0) { max($0, abs($1)) }
            worst = max(worst, got.maxAbsDifference(want) - 1e-4 * scale)
        }
        #expect(worst <= 1e-6, "padded batch differs from its sequences run alone by \(worst)")
    }

    @Test(arguments: Architecture.allCases)
    func predictionsAreTheForwardArgmax(architecture: Architecture) throws {
        let model = try Self.model(architecture)
        let (inputs, labels) = Self.batch(architecture)
        let result = try model.lossAndGradients(batch: inputs, labels: labels)
        let logits = try model.forward(batch: inputs)
        #expect(result.predictions == logits.map(argmaxRows))
        #expect(result.predictions.map(\.count) == labels.map(\.count))
    }

    @Test func everyLabelIgnoredGivesZeroLossAndZeroGradients() throws {
        let model = try Self.model(.decoderOnly)
        let result = try model.lossAndGradients(batch: [ModelInput(decoder: [1, 2, 3])], labels: [[-100, -100, -100]])
        #expect(result.loss == 0)
        #expect(result.gradients.named.values.allSatisfy { $0.scalars.allSatisfy { $0 == 0 } })
    }

    @Test func labelsThatDoNotFitAreRefused() throws {
        let model = try Self.model(.decoderOnly)
        let input = [ModelInput(decoder: [1, 2, 3])]
        for labels in [[[1, 2]], [[1, 2, 3], [1]], [[1, 2, 20]], [[1, -1, 2]]] {
            #expect(throws: ModelError.self) { try model.lossAndGradients(batch: input, labels: labels) }
        }
    }

    @Test func gradientsHaveTheWeightsNamesAndShapes() throws {
        for architecture in Architecture.allCases {
            let model = try Self.model(architecture)
            let (inputs, labels) = Self.batch(architecture)
            let gradients = try model.lossAndGradients(batch: inputs, labels: labels).gradients
            #expect(gradients.parameterShapes.map(\.name) == model.weights.parameterShapes.map(\.name))
            #expect(gradients.parameterShapes.map(\.shape) == model.weights.parameterShapes.map(\.shape))
        }
    }

    @Test func weightsHelpers() throws {
        let weights = try Self.model(.encoderDecoder).weights
        var zero = ModelWeights.zeros(like: weights)
        #expect(zero.named.values.allSatisfy { $0.scalars.allSatisfy { $0 == 0 } })
        zero.add(weights, scaled: 2)
        var names: [String] = []
        zero.update(with: weights) { name, doubled, original in
            names.append(name)
            #expect(doubled.scalars == original.scalars.map { 2 * $0 })
        }
        #expect(names == weights.parameterShapes.map(\.name))
    }

    /// Plain gradient descent on one batch: the loss must fall, and by a lot.
    @Test(arguments: Architecture.allCases)
    func gradientDescentLowersTheLoss(architecture: Architecture) throws {
        var model = try Self.model(architecture)
        let (inputs, labels) = Self.batch(architecture)
        let first = try model.lossAndGradients(batch: inputs, labels: labels).loss
        var loss = first
        for _ in 0..<30 {
            let step = try model.lossAndGradients(batch: inputs, labels: labels)
            loss = step.loss
            model.weights.add(step.gradients, scaled: -0.1)
        }
        #expect(loss < 0.5 * first, "loss \(first) → \(loss)")
    }
}
