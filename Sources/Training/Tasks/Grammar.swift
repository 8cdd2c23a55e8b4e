import TensorCore

/// The built-in synthetic language of `lm` and `mlm`: a tiny fixed grammar of English-like
/// sentences, sampled with a seeded generator.
///
///     sentence    → NP(n) verb(n) [NP(any)] [adverb]       the verb is transitive iff an object follows
///     NP(n)       → det(n) [adjective] noun(n) [preposition NP(any), without a further phrase]
///
/// n is singular or plural and both agreements are enforced: a determiner agrees with its noun
/// ("a cat", "these cats", "the" goes with both) and the verb with the subject's head noun, even across
/// a prepositional phrase whose noun has the other number ("the cat near the dogs sleeps"). So there
/// is structure to learn beyond word frequencies, and attention has a reason to look back past the
/// nearest noun. Transitive and intransitive verbs differ too: "the cat sleeps the dog" never occurs.
enum Grammar {
    enum Number: CaseIterable { case singular, plural }

    static let singularDeterminers = ["a", "this", "every"]
    static let pluralDeterminers = ["some", "these", "many"]
    static let sharedDeterminers = ["the"]
    static let nouns = [("cat", "cats"), ("dog", "dogs"), ("bird", "birds"), ("fox", "foxes"),
                        ("child", "children"), ("teacher", "teachers")]
    static let adjectives = ["small", "big", "red", "old", "happy"]
    static let prepositions = ["near", "behind", "with"]
    /// (singular, plural) verb forms.
    static let intransitive = [("sleeps", "sleep"), ("runs", "run"), ("sings", "sing"), ("waits", "wait")]
    static let transitive = [("sees", "see"), ("likes", "like"), ("chases", "chase"), ("helps", "help")]
    static let adverbs = ["today", "again"]

    /// Every word, in a fixed order: the language's part of a task vocabulary.
    static let words: [String] = sharedDeterminers + singularDeterminers + pluralDeterminers
        + nouns.flatMap { [$0.0, $0.1] } + adjectives + prepositions
        + intransitive.flatMap { [$0.0, $0.1] } + transitive.flatMap { [$0.0, $0.1] } + adverbs

    /// The shortest sentence: determiner, noun, verb.
    static let shortestSentence = 3

    /// A sentence of at most `maxWords` (≥ 3) words.
    static func sentence(maxWords: Int, _ rng: inout SeededGenerator) -> [String] {
        let number = pickNumber(&rng)
        // Leave room for the verb, and for an object noun phrase (≥ 2 words) if there will be one.
        let transitive = maxWords >= shortestSentence + 2 && rng.nextInt(below: 2) == 0
        let reserved = transitive ? 3 : 1
        var words = nounPhrase(number, room: maxWords - reserved, allowPhrase: true, &rng)
        let verbs = transitive ? Self.transitive : Self.intransitive
        let verb = verbs[rng.nextInt(below: verbs.count)]
        words.append(number == .singular ? verb.0 : verb.1)
        if transitive {
            words += nounPhrase(pickNumber(&rng), room: maxWords - words.count, allowPhrase: true, &rng)
        }
        if words.count < maxWords && rng.nextInt(below: 4) == 0 {
            words.append(adverbs[rng.nextInt(below: adverbs.count)])
        }
        return words
    }

    /// A noun phrase of number `number` in at most `room` (≥ 2) words.
    private static func nounPhrase(_ number: Number, room: Int, allowPhrase: Bool,
                                   _ rng: inout SeededGenerator) -> [String] {
        let determiners = sharedDeterminers + (number == .singular ? singularDeterminers : pluralDeterminers)
        var words = [determiners[rng.nextInt(below: determiners.count)]]
        if room >= 3 && rng.nextInt(below: 3) == 0 {
            words.append(adjectives[rng.nextInt(below: adjectives.count)])
        }
        let noun = nouns[rng.nextInt(below: nouns.count)]
        words.append(number == .singular ? noun.0 : noun.1)
        // A prepositional phrase needs a preposition and a noun phrase of its own (≥ 3 words).
        if allowPhrase && room - words.count >= 3 && rng.nextInt(below: 3) == 0 {
            words.append(prepositions[rng.nextInt(below: prepositions.count)])
            words += nounPhrase(pickNumber(&rng), room: room - words.count, allowPhrase: false, &rng)
        }
        return words
    }

    private static func pickNumber(_ rng: inout SeededGenerator) -> Number {
        rng.nextInt(below: 2) == 0 ? .singular : .plural
    }
}
