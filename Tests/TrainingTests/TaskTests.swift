import Foundation
import Testing
import TensorCore
import Transformer
@testable import Training

/// Every task with the architectures it accepts.
let allPairs: [(TaskKind, Architecture)] = TaskKind.allCases.flatMap { kind in
    Architecture.allCases.filter { kind.refusal(for: $0) == nil }.map { (kind, $0) }
}

func draw(_ task: TrainingTask, seed: UInt64, count: Int = 1) -> [Example] {
    var rng = SeededGenerator(seed: seed)
    return task.batch(count, &rng)
}

/// Seed 4 draws x = a c a d c (ids 5 7 5 8 7) for every symbolic task with 6 symbols and length 5.
/// Ids: 0 <pad> 1 <bos> 2 <eos> 3 <sep> 4 <mask> 5 a 6 b 7 c 8 d 9 e 10 f, then count's "1" = 11, "2" = 12, ….
@Suite struct FramingTests {
    func example(_ kind: TaskKind, _ architecture: Architecture) throws -> Example {
        try #require(draw(TrainingTask(kind, architecture: architecture, symbols: 6, length: 5), seed: 4).first)
    }

    @Test func copy() throws {
        let decoder = try example(.copy, .decoderOnly)       // <bos> a c a d c <sep> a c a d c → a c a d c <eos>
        #expect(decoder.input == ModelInput(decoder: [1, 5, 7, 5, 8, 7, 3, 5, 7, 5, 8, 7]))
        #expect(decoder.labels == [-100, -100, -100, -100, -100, -100, 5, 7, 5, 8, 7, 2])
        #expect(decoder.targetStart == 6)
        let seq2seq = try example(.copy, .encoderDecoder)    // a c a d c <eos> | <bos> a c a d c → a c a d c <eos>
        #expect(seq2seq.input == ModelInput(encoder: [5, 7, 5, 8, 7, 2], decoder: [1, 5, 7, 5, 8, 7]))
        #expect(seq2seq.labels == [5, 7, 5, 8, 7, 2])
        #expect(seq2seq.targetStart == 0)
    }

    @Test func reverse() throws {
        let encoder = try example(.reverse, .encoderOnly)    // a c a d c → c d a c a
        #expect(encoder.input == ModelInput(encoder: [5, 7, 5, 8, 7]))
        #expect(encoder.labels == [7, 8, 5, 7, 5])
        let decoder = try example(.reverse, .decoderOnly)
        #expect(decoder.input == ModelInput(decoder: [1, 5, 7, 5, 8, 7, 3, 7, 8, 5, 7, 5]))
        #expect(decoder.labels == [-100, -100, -100, -100, -100, -100, 7, 8, 5, 7, 5, 2])
        #expect(decoder.targetStart == 6)
        let seq2seq = try example(.reverse, .encoderDecoder)
        #expect(seq2seq.input == ModelInput(encoder: [5, 7, 5, 8, 7, 2], decoder: [1, 7, 8, 5, 7, 5]))
        #expect(seq2seq.labels == [7, 8, 5, 7, 5, 2])
    }

    @Test func sort() throws {
        let encoder = try example(.sort, .encoderOnly)       // a c a d c → a a c c d
        #expect(encoder.input == ModelInput(encoder: [5, 7, 5, 8, 7]))
        #expect(encoder.labels == [5, 5, 7, 7, 8])
        let decoder = try example(.sort, .decoderOnly)
        #expect(decoder.input == ModelInput(decoder: [1, 5, 7, 5, 8, 7, 3, 5, 5, 7, 7, 8]))
        #expect(decoder.labels == [-100, -100, -100, -100, -100, -100, 5, 5, 7, 7, 8, 2])
        let seq2seq = try example(.sort, .encoderDecoder)
        #expect(seq2seq.input == ModelInput(encoder: [5, 7, 5, 8, 7, 2], decoder: [1, 5, 5, 7, 7, 8]))
        #expect(seq2seq.labels == [5, 5, 7, 7, 8, 2])
    }

    @Test func count() throws {
        // a c a d c: a and c occur twice, d once → "2" "2" "2" "1" "2" = 12 12 12 11 12.
        let encoder = try example(.count, .encoderOnly)
        #expect(encoder.input == ModelInput(encoder: [5, 7, 5, 8, 7]))
        #expect(encoder.labels == [12, 12, 12, 11, 12])
        // Labelled at each symbol's own position, <bos> unlabelled.
        let decoder = try example(.count, .decoderOnly)
        #expect(decoder.input == ModelInput(decoder: [1, 5, 7, 5, 8, 7]))
        #expect(decoder.labels == [-100, 12, 12, 12, 11, 12])
        #expect(decoder.targetStart == 1)
        let seq2seq = try example(.count, .encoderDecoder)
        #expect(seq2seq.input == ModelInput(encoder: [5, 7, 5, 8, 7], decoder: [1, 12, 12, 12, 11]))
        #expect(seq2seq.labels == [12, 12, 12, 11, 12])
    }

    @Test func languageTasks() throws {
        let lm = try #require(draw(TrainingTask(.lm, architecture: .decoderOnly, length: 5), seed: 0).first)
        let task = try TrainingTask(.lm, architecture: .decoderOnly, length: 5)
        #expect(lm.input.decoder.map(task.tokenizer.tokens(ids:))?.map(\.text) == ["<bos>", "the", "fox", "chases", "every", "dog"])
        #expect(lm.labels == [5, 18, 44, 8, 14, 2])
        let mlm = try #require(draw(TrainingTask(.mlm, architecture: .encoderOnly, length: 5), seed: 0).first)
        #expect(mlm.input == ModelInput(encoder: [5, 18, 4, 8, 14]))      // the fox <mask> every dog
        #expect(mlm.labels == [-100, -100, 44, -100, -100])
    }

    @Test func vocabularyIsSpecialsThenSymbolsThenLabels() throws {
        let count = try TrainingTask(.count, architecture: .encoderOnly, symbols: 3, length: 4)
        #expect(count.vocabulary == ["<pad>", "<bos>", "<eos>", "<sep>", "<mask>", "a", "b", "c", "1", "2", "3", "4"])
        let copy = try TrainingTask(.copy, architecture: .decoderOnly, symbols: 26, length: 4)
        #expect(copy.vocabulary.last == "z")
        #expect(copy.vocabulary.count == 31)
        let lm = try TrainingTask(.lm, architecture: .decoderOnly)
        #expect(Array(lm.vocabulary.prefix(5)) == TrainingTask.specials)
        #expect(lm.vocabulary.count == 5 + Grammar.words.count)
    }
}

/// The length of x, or of the sentence: the encoder's words without a closing <eos>, or the
/// decoder's up to <sep> (copy, reverse, sort) without <bos>.
func bodyLength(_ example: Example, _ kind: TaskKind) -> Int {
    if let encoder = example.input.encoder { return encoder.last == TrainingTask.eos ? encoder.count - 1 : encoder.count }
    let decoder = example.input.decoder ?? []
    return (kind == .count || kind == .lm ? decoder.count : example.targetStart) - 1
}

@Suite struct TaskStreamTests {
    @Test(arguments: allPairs.map { "\($0.0.rawValue) \($0.1.rawValue)" })
    func shapesFitAndLengthsCoverTheRange(pair: String) throws {
        let parts = pair.split(separator: " ")
        let kind = try #require(TaskKind(rawValue: String(parts[0])))
        let architecture = try #require(Architecture(rawValue: String(parts[1])))
        let task = try TrainingTask(kind, architecture: architecture, symbols: 5, length: 7)
        let model = try TransformerModel.random(architecture, task.config(.nano), seed: 0)
        var bodyLengths = Set<Int>()
        var longest = 0
        for example in draw(task, seed: 11, count: 400) {
            try model.validate(example.input)
            let output = architecture == .encoderOnly ? example.input.encoder : example.input.decoder
            #expect(output?.count == example.labels.count)
            #expect(!example.labelledPositions.isEmpty)
            #expect(example.labels.allSatisfy { $0 == Example.ignoreLabel || (0..<task.vocabulary.count).contains($0) })
            longest = max(longest, example.input.encoder?.count ?? 0, example.input.decoder?.count ?? 0)
            bodyLengths.insert(bodyLength(example, kind))
        }
        #expect(longest == task.maxInputLength)
        #expect(bodyLengths == Set((kind.usesSymbols ? 2 : 3)...7), "\(bodyLengths.sorted())")
    }

    @Test func theSameSeedGivesTheSameExamples() throws {
        for (kind, architecture) in allPairs {
            let task = try TrainingTask(kind, architecture: architecture)
            #expect(draw(task, seed: 9, count: 20) == draw(task, seed: 9, count: 20))
            #expect(draw(task, seed: 9, count: 20) != draw(task, seed: 10, count: 20))
            #expect(task.heldOut(20, seed: 9) == task.heldOut(20, seed: 9))
        }
    }

    @Test func heldOutIsAnotherStream() throws {
        let task = try TrainingTask(.reverse, architecture: .encoderDecoder, symbols: 10, length: 8)
        for seed: UInt64 in [0, 1, 42] {
            let training = draw(task, seed: seed, count: 50)
            let heldOut = task.heldOut(50, seed: seed)
            #expect(training != heldOut)
            #expect(zip(training, heldOut).filter { $0 == $1 }.count < 5)
        }
    }

    /// Why a causal model must fail at count's early positions: the same prefix is labelled
    /// differently depending on what comes after it, at position 0 most of all.
    @Test func countIsNotDeterminedByThePrefix() throws {
        let task = try TrainingTask(.count, architecture: .decoderOnly, symbols: 4, length: 6)
        var labelsSeen: [[Int]: Set<Int>] = [:]      // prefix up to and including x[i] → labels at i
        for example in draw(task, seed: 3, count: 2000) {
            let decoder = example.input.decoder ?? []
            for p in example.labelledPositions { labelsSeen[Array(decoder[...p]), default: []].insert(example.labels[p]) }
        }
        let firstSymbol = labelsSeen.filter { $0.key.count == 2 }
        #expect(firstSymbol.count == 4)
        #expect(firstSymbol.values.allSatisfy { $0.count >= 3 })     // "1", "2", "3", … all follow a lone "a"
        // Only a full sequence pins its last label down; the encoder sees the whole of x at once.
        let ambiguous = labelsSeen.filter { $0.value.count > 1 }
        #expect(!ambiguous.isEmpty)
    }

    @Test func symbolsAreDrawnEvenly() throws {
        let task = try TrainingTask(.copy, architecture: .encoderDecoder, symbols: 4, length: 8)
        var seen = [Int: Int]()
        for example in draw(task, seed: 2, count: 500) {
            for id in example.input.encoder?.dropLast() ?? [] { seen[id, default: 0] += 1 }
        }
        #expect(Set(seen.keys) == [5, 6, 7, 8])
        let total = seen.values.reduce(0, +)
        #expect(seen.values.allSatisfy { abs(Double($0) / Double(total) - 0.25) < 0.03 })
    }
}

@Suite struct TaskRefusalTests {
    @Test func pairsThatMakeNoSenseAreRefusedWithAReason() {
        let refused: [(TaskKind, Architecture, String)] = [
            (.copy, .encoderOnly, "copying would only be the identity"),
            (.lm, .encoderOnly, "needs a decoder-only model"),
            (.lm, .encoderDecoder, "needs a decoder-only model"),
            (.mlm, .decoderOnly, "needs an encoder-only model"),
            (.mlm, .encoderDecoder, "needs an encoder-only model"),
        ]
        for (kind, architecture, phrase) in refused {
            do {
                _ = try TrainingTask(kind, architecture: architecture)
                Issue.record("\(kind) on \(architecture) was accepted")
            } catch let error as TaskError {
                #expect(error.description.contains("the \(kind.rawValue) task does not fit the \(architecture.rawValue) architecture"))
                #expect(error.description.contains(phrase), "\(error)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        #expect(allPairs.count == 3 * 6 - refused.count)
    }

    @Test func badSizesAreRefused() {
        #expect(throws: TaskError.symbols(1)) { try TrainingTask(.copy, architecture: .decoderOnly, symbols: 1) }
        #expect(throws: TaskError.symbols(27)) { try TrainingTask(.sort, architecture: .decoderOnly, symbols: 27) }
        #expect(throws: TaskError.length(1, allowed: 2...256, task: .reverse)) {
            try TrainingTask(.reverse, architecture: .encoderOnly, length: 1)
        }
        #expect(throws: TaskError.length(2, allowed: 3...256, task: .lm)) {
            try TrainingTask(.lm, architecture: .decoderOnly, length: 2)
        }
        #expect(throws: TaskError.self) { try TrainingTask(.count, architecture: .encoderOnly, length: 257) }
        #expect(TaskError.symbols(30).description == "a task has 2...26 symbols (a, b, …), not 30")
    }
}

@Suite struct ParseTests {
    @Test func wordsBecomeIdsAndExamples() throws {
        let task = try TrainingTask(.reverse, architecture: .encoderDecoder, symbols: 6, length: 8)
        let ids = try task.parse("c a  f e\tb")
        #expect(ids == [7, 5, 10, 9, 6])
        let example = try task.example(for: ids)
        #expect(example.input == ModelInput(encoder: [7, 5, 10, 9, 6, 2], decoder: [1, 6, 9, 10, 5, 7]))
    }

    @Test func unknownWordsAreNamed() throws {
        let task = try TrainingTask(.count, architecture: .encoderOnly, symbols: 6, length: 8)
        #expect(throws: TaskError.unknownSymbol("g", task: task.name)) { try task.parse("a b g") }
        #expect(throws: TaskError.unknownSymbol("<bos>", task: task.name)) { try task.parse("<bos> a") }
        #expect(throws: TaskError.unknownSymbol("2", task: task.name)) { try task.parse("a 2") }
        do { _ = try task.parse("a Z") } catch { #expect("\(error)" == "\"Z\" is not an input word of count (encoder-only, 6 symbols, length 2...8)") }
        #expect(throws: TaskError.inputLength(9, allowed: 2...8)) {
            try task.example(for: task.parse("a a a a a a a a a"))
        }
        let lm = try TrainingTask(.lm, architecture: .decoderOnly)
        #expect(try lm.parse("the cats sleep") == [5, 13, 33])
        #expect(throws: TaskError.self) { try lm.parse("the cats purr") }
    }
}
