import Foundation
import Testing
import TensorCore
@testable import Experiments
@testable import Transformer

private func model(_ architecture: Architecture, seed: UInt64 = 3) throws -> TransformerModel {
    try TransformerModel.random(architecture, Preset.nano.config(), seed: seed)
}

private let encoderIDs = [2, 40, 41, 42, 43, 44, 3], decoderIDs = [5, 60, 61, 62, 63, 64]

private func input(_ architecture: Architecture) -> ModelInput {
    switch architecture {
    case .encoderOnly: ModelInput(encoder: encoderIDs)
    case .decoderOnly: ModelInput(decoder: decoderIDs)
    case .encoderDecoder: ModelInput(encoder: encoderIDs, decoder: decoderIDs)
    }
}

@Suite struct CausalityProbeTests {
    @Test func aDecoderIgnoresTheFutureBitForBitAnEncoderDoesNot() throws {
        let decoder = try CausalityProbe(model(.decoderOnly), input: input(.decoderOnly), changing: .decoder, at: 3, to: 100)
        #expect(decoder.change.prefix(3).allSatisfy { $0 == 0 })
        #expect(decoder.movedBefore == 0)
        #expect(decoder.movedFrom == decoderIDs.count - 3)
        let encoder = try CausalityProbe(model(.encoderOnly), input: input(.encoderOnly), changing: .encoder, at: 3, to: 100)
        #expect(encoder.movedBefore == 3)
        #expect(encoder.change.allSatisfy { $0 > 0 })
    }

    @Test func anEncoderTokenMovesEveryDecoderPosition() throws {
        let probe = try CausalityProbe(model(.encoderDecoder), input: input(.encoderDecoder), changing: .encoder, at: 1, to: 100)
        #expect(!probe.changeIsInOutput)
        #expect(probe.outputStack == .decoder)
        #expect(probe.movedFrom == decoderIDs.count)
    }

    @Test func badRequestsAreErrors() throws {
        let m = try model(.decoderOnly)
        #expect(throws: ExperimentError.self) { try CausalityProbe(m, input: input(.decoderOnly), changing: .decoder, at: 99, to: 100) }
        #expect(throws: ExperimentError.self) { try CausalityProbe(m, input: input(.decoderOnly), changing: .decoder, at: 1, to: 60) }
        #expect(throws: ExperimentError.self) { try CausalityProbe(m, input: input(.decoderOnly), changing: .encoder, at: 1, to: 100) }
    }
}

@Suite struct TeacherForcingCheckTests {
    @Test(arguments: [Architecture.decoderOnly, .encoderDecoder])
    func parallelEqualsStepByStep(architecture: Architecture) throws {
        let check = try TeacherForcingCheck(model(architecture), input: input(architecture), runs: 3)
        #expect(check.agrees, "max |Δ| \(check.maxAbsDifference)")
        #expect(check.positions == decoderIDs.count)
        #expect(check.parallel.runs.count == 3 && check.stepByStep.runs.count == 3)
        #expect(check.parallel.fastest <= check.parallel.median && check.parallel.median <= check.parallel.slowest)
    }

    @Test func anEncoderOnlyModelHasNothingToCheck() throws {
        #expect(throws: ExperimentError.self) { try TeacherForcingCheck(model(.encoderOnly), input: input(.encoderOnly), runs: 1) }
    }

    @Test func medianOfEvenAndOddCounts() {
        #expect(Stopwatch.median([3, 1, 2]) == 2)
        #expect(Stopwatch.median([4, 1, 3, 2]) == 2.5)
        #expect(Stopwatch.median([]) == 0)
    }
}

@Suite struct RankTests {
    @Test func theNoiseFloorDecidesTheNumericalRank() throws {
        // A rank-one matrix (every row the same) has one singular value; rounding makes the others
        // tiny but not 0, and the floor keeps them out.
        let n = 6
        let uniform = try RankAnalysis(Tensor(repeating: 1 / Float(n), shape: [n, n]))
        #expect(uniform.numericalRank == 1)
        #expect(uniform.noiseFloor == RankAnalysis.noiseFloor(largest: uniform.singularValues[0], size: n))
        #expect(abs(uniform.singularValues[0] - 1) < 1e-5)
        var identity = Tensor(zeros: [n, n])
        for i in 0..<n { identity[i, i] = 1 }
        let full = try RankAnalysis(identity)
        #expect(full.numericalRank == n)
        #expect(full.isLowerTriangular)
        #expect(full.determinantSign == 1 && abs(full.log10Determinant) < 1e-6)
    }

    @Test func aCausalPatternIsTriangularWithTheDeterminantOfItsDiagonal() throws {
        let comparison = try RankComparison(model(.encoderOnly), input: input(.encoderOnly), stack: .encoder, layer: 1, head: 1)
        #expect(comparison.causal.isLowerTriangular)
        #expect(comparison.causal.determinantSign == 1)
        #expect(abs(comparison.causal.log10Determinant - comparison.causal.log10DiagonalProduct) < 1e-3)
        #expect(!comparison.bidirectional.isLowerTriangular)
        #expect(comparison.causal.size == encoderIDs.count)
    }

    @Test func outOfRangeLayerOrHeadIsAnError() throws {
        #expect(throws: ExperimentError.self) {
            try RankComparison(model(.encoderOnly), input: input(.encoderOnly), stack: .encoder, layer: 2, head: 0)
        }
        #expect(throws: ExperimentError.self) { try RankAnalysis(Tensor(zeros: [2, 3])) }
    }
}

@Suite struct GenerationTraceTests {
    @Test(arguments: [Architecture.decoderOnly, .encoderDecoder])
    func eachStepShowsTheCacheAndThePredictingPositionsRow(architecture: Architecture) throws {
        let m = try model(architecture)
        let start = architecture == .decoderOnly ? decoderIDs : [5]
        let modelInput = ModelInput(encoder: architecture == .encoderDecoder ? encoderIDs : nil, decoder: start)
        var observed = 0
        let trace = try GenerationTrace(m, input: modelInput, steps: 4, labels: [.decoder: start.map { "t\($0)" }],
                                        label: { "w\($0)" }, observe: { _ in observed += 1 })
        #expect(observed == 4 && trace.steps.count == 4)
        #expect(trace.cachedEqualsUncached)
        for step in trace.steps {
            #expect(step.sequenceLength == start.count + step.index)
            #expect(step.cacheShape == [2, start.count + step.index, m.config.heads, m.config.headWidth])
            #expect(step.cacheBytesPerLayer == 2 * (start.count + step.index) * m.config.width * 4)
            #expect(step.flopsCached > 0 && (step.index == 0 || step.flopsCached < step.flopsRecomputed))
            #expect(step.rows.count == (architecture == .encoderDecoder ? 2 : 1))
            for row in step.rows {
                #expect(row.predictingPosition == step.sequenceLength - 1)
                #expect(abs(row.weights.reduce(0, +) - 1) < 1e-5)
                #expect(row.keys.count == row.weights.count)
            }
            #expect(step.rows[0].weights.count == step.sequenceLength)   // self-attention sees the prefix and itself
        }
        #expect(trace.steps[1].rows[0].predictingLabel == trace.steps[0].label)
        #expect((trace.steps[0].crossCacheBytesPerLayer > 0) == (architecture == .encoderDecoder))
    }

    @Test func generationStopsAtTheStopToken() throws {
        let m = try model(.decoderOnly)
        let input = ModelInput(decoder: decoderIDs)
        let free = try GenerationTrace(m, input: input, steps: 5, labels: [:], label: { "\($0)" })
        #expect(free.steps.count == 5)
        // Stopping at the first token generated ends generation right after it.
        let stopped = try GenerationTrace(m, input: input, steps: 5, stopAt: free.cachedTokens[0], labels: [:], label: { "\($0)" })
        #expect(stopped.cachedTokens == [free.cachedTokens[0]])
        #expect(stopped.steps.count == 1 && stopped.cachedEqualsUncached)
    }

    @Test func tooManyStepsForTheModelIsAnError() throws {
        let m = try model(.decoderOnly)
        #expect(throws: ExperimentError.self) {
            try GenerationTrace(m, input: ModelInput(decoder: decoderIDs), steps: m.config.maxLength, labels: [:], label: { "\($0)" })
        }
    }
}

@Suite struct ArchitectureComparisonTests {
    @Test func equalBudgetComesCloseAndTargetsFollowTheObjective() {
        let c = Preset.gpt2Small.config()
        let comparison = ArchitectureComparison(c, tokens: 512)
        #expect(comparison.equalDepth.map(\.architecture) == Architecture.allCases)
        #expect(comparison.equalDepth[0].parameters == comparison.equalDepth[1].parameters)   // same blocks, another mask
        #expect(comparison.budget == comparison.equalDepth[2].parameters)
        for m in comparison.equalBudget {
            #expect(Double(abs(m.parameters - comparison.budget)) / Double(comparison.budget) < 0.05)
        }
        #expect(comparison.causalLMTargets == 511)
        #expect(comparison.maskedLMTargets == 77)
        #expect(comparison.sequenceToSequenceTargets == 256)
        let depths = comparison.parametersByDepth([1, 2])
        #expect(depths.count == 3 && depths.allSatisfy { $0.parameters[1] > $0.parameters[0] })
    }
}
