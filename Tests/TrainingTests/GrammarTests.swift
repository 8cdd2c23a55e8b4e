import Testing
import TensorCore
import Transformer
@testable import Training

@Suite struct GrammarTests {
    func sentences(_ count: Int, maxWords: Int, seed: UInt64 = 0) -> [[String]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Grammar.sentence(maxWords: maxWords, &rng) }
    }

    @Test func usesOnlyItsOwnWordsWithinTheLength() {
        let vocabulary = Set(Grammar.words)
        #expect(vocabulary.count == Grammar.words.count)
        for maxWords in [3, 4, 5, 8, 12] {
            for sentence in sentences(300, maxWords: maxWords) {
                #expect(sentence.allSatisfy(vocabulary.contains), "\(sentence)")
                #expect((3...maxWords).contains(sentence.count), "\(sentence)")
            }
        }
    }

    @Test func variesAndUsesEveryWord() {
        let drawn = sentences(2000, maxWords: 12)
        #expect(Set(drawn).count > 1500)
        #expect(Set(drawn.joined()) == Set(Grammar.words))
        #expect(Set(drawn.map(\.count)) == Set(3...12))
        #expect(sentences(50, maxWords: 12, seed: 1) != sentences(50, maxWords: 12, seed: 2))
    }

    /// The verb agrees with the head noun of the subject (its first noun), every determiner with
    /// the noun that follows it, and only transitive verbs take objects.
    @Test func agreementHolds() {
        let singularNouns = Set(Grammar.nouns.map(\.0)), pluralNouns = Set(Grammar.nouns.map(\.1))
        let singularVerbs = Set((Grammar.intransitive + Grammar.transitive).map(\.0))
        let pluralVerbs = Set((Grammar.intransitive + Grammar.transitive).map(\.1))
        let transitive = Set(Grammar.transitive.flatMap { [$0.0, $0.1] })
        var crossedAPlural = false
        for sentence in sentences(1000, maxWords: 12) {
            guard let noun = sentence.firstIndex(where: { singularNouns.contains($0) || pluralNouns.contains($0) }),
                  let verb = sentence.firstIndex(where: { singularVerbs.contains($0) || pluralVerbs.contains($0) }) else {
                Issue.record("no noun or verb in \(sentence)"); continue
            }
            #expect(singularNouns.contains(sentence[noun]) == singularVerbs.contains(sentence[verb]), "\(sentence)")
            let hasObject = sentence[(verb + 1)...].contains { singularNouns.contains($0) || pluralNouns.contains($0) }
            #expect(hasObject == transitive.contains(sentence[verb]), "\(sentence)")
            for (i, word) in sentence.enumerated() {
                let head = sentence[i...].first { singularNouns.contains($0) || pluralNouns.contains($0) }
                if Grammar.singularDeterminers.contains(word) { #expect(head.map(singularNouns.contains) == true, "\(sentence)") }
                if Grammar.pluralDeterminers.contains(word) { #expect(head.map(pluralNouns.contains) == true, "\(sentence)") }
            }
            // An attractor: a noun of the other number between the subject and its verb.
            if sentence[(noun + 1)..<verb].contains(where: { singularNouns.contains(sentence[noun]) ? pluralNouns.contains($0) : singularNouns.contains($0) }) {
                crossedAPlural = true
            }
        }
        #expect(crossedAPlural)
    }

    @Test func maskingFollowsBERT() throws {
        let task = try TrainingTask(.mlm, architecture: .encoderOnly, length: 12)
        var masked = 0, replaced = 0, kept = 0, words = 0
        var rng = SeededGenerator(seed: 4)
        for _ in 0..<3000 {
            let sentence = Grammar.sentence(maxWords: 12, &rng).compactMap(task.tokenizer.id)
            let example = task.maskedLanguageModelling(sentence, &rng)
            words += sentence.count
            let positions = example.labelledPositions
            #expect(positions.count == max(1, Int((0.15 * Double(sentence.count)).rounded())))
            for p in positions {
                #expect(example.labels[p] == sentence[p])
                switch example.input.encoder?[p] {
                case TrainingTask.mask: masked += 1
                case sentence[p]: kept += 1
                default: replaced += 1
                }
            }
            // Unchosen words are untouched.
            for p in sentence.indices where example.labels[p] == Example.ignoreLabel { #expect(example.input.encoder?[p] == sentence[p]) }
        }
        let chosen = Double(masked + replaced + kept)
        // 15% rounded, at least one: more than 15% of short sentences.
        #expect(chosen / Double(words) > 0.15 && chosen / Double(words) < 0.2)
        #expect(abs(Double(masked) / chosen - 0.8) < 0.03)
        // A random replacement can draw the word itself, so "kept" is a little over 10%.
        #expect(abs(Double(replaced) / chosen - 0.1) < 0.03)
        #expect(abs(Double(kept) / chosen - 0.1) < 0.03)
    }
}
