import TensorCore
import Transformer

/// A built-in task for one architecture: its vocabulary, and examples drawn from a seeded generator.
///
/// Named `TrainingTask` rather than `Task` so that it never shadows Swift's concurrency `Task`.
///
/// The vocabulary is the five special tokens, then the task's words — the first `symbols` letters
/// a…z, or the language's words for lm and mlm — then, for count, the labels "1"…"length":
///
///     0 <pad>  1 <bos>  2 <eos>  3 <sep>  4 <mask>  5 a  6 b  …
///
/// so a model's pictures carry readable labels and `<pad>` is id 0, what a padded batch fills with.
public struct TrainingTask: Sendable {
    public let kind: TaskKind
    public let architecture: Architecture
    /// How many letters the symbolic tasks draw from (0 for lm and mlm).
    public let symbols: Int
    /// The longest input sequence (x, or the sentence in words); lengths are drawn from 2...length
    /// (sentences have at least 3 words).
    public let length: Int
    public let vocabulary: [String]
    /// The vocabulary as a tokenizer, to save beside a trained model as `tokenizer.json`.
    public let tokenizer: WordLevelTokenizer

    public static let specials = ["<pad>", "<bos>", "<eos>", "<sep>", "<mask>"]
    public static let pad = 0, bos = 1, eos = 2, separator = 3, mask = 4
    /// The longest sequences a task makes; the bound keeps a typo from sizing a huge model.
    public static let maximumLength = 256

    /// Throws `TaskError` for a task that makes no sense for `architecture`, or bad sizes.
    /// `symbols` is ignored by lm and mlm.
    public init(_ kind: TaskKind, architecture: Architecture, symbols: Int = 10, length: Int = 8) throws {
        if let reason = kind.refusal(for: architecture) {
            throw TaskError.unsupported(task: kind, architecture: architecture, reason: reason)
        }
        if kind.usesSymbols && !(2...26).contains(symbols) { throw TaskError.symbols(symbols) }
        let allowed = (kind.usesSymbols ? 2 : Grammar.shortestSentence)...Self.maximumLength
        guard allowed.contains(length) else { throw TaskError.length(length, allowed: allowed, task: kind) }
        self.kind = kind
        self.architecture = architecture
        self.symbols = kind.usesSymbols ? symbols : 0
        self.length = length
        let letters = (0..<self.symbols).map { String(UnicodeScalar(UInt8(ascii: "a") + UInt8($0))) }
        let words = kind.usesSymbols ? letters : Grammar.words
        let countLabels = kind == .count ? (1...length).map(String.init) : []
        vocabulary = Self.specials + words + countLabels
        tokenizer = try WordLevelTokenizer(vocabulary: vocabulary, specials: Self.specials)
    }

    /// Id of the first input word (`a`, or the language's first word).
    var firstWord: Int { Self.specials.count }
    /// How many input words there are (the ids firstWord..<firstWord + wordCount).
    var wordCount: Int { kind.usesSymbols ? symbols : Grammar.words.count }
    /// The id of count label "c" (c in 1...length).
    func countLabel(_ c: Int) -> Int { firstWord + symbols + c - 1 }

    /// The longest encoder or decoder sequence the task makes: the model's `maxLength` must be at
    /// least this.
    public var maxInputLength: Int {
        switch (kind, architecture) {
        case (.copy, .decoderOnly), (.reverse, .decoderOnly), (.sort, .decoderOnly): 2 * length + 2  // <bos> x <sep> y
        case (.copy, _), (.reverse, .encoderDecoder), (.sort, .encoderDecoder): length + 1           // x <eos>, <bos> y
        case (.count, .decoderOnly), (.lm, _): length + 1                                            // <bos> x
        default: length
        }
    }

    /// A model configuration of `preset`'s shape sized for this task: its vocabulary, and
    /// `maxInputLength` positions.
    public func config(_ preset: Preset) -> ModelConfig {
        var config = preset.config(vocabularySize: vocabulary.count)
        config.maxLength = maxInputLength
        return config
    }

    /// A readable name, e.g. "reverse (encoder-decoder, 10 symbols, length 2...8)".
    public var name: String {
        let size = kind.usesSymbols ? "\(symbols) symbols, length 2...\(length)"
            : "up to \(length) words"
        return "\(kind.rawValue) (\(architecture.rawValue), \(size))"
    }

    // MARK: Examples

    /// One example drawn from `rng`.
    public func example(_ rng: inout SeededGenerator) -> Example {
        switch kind {
        case .lm, .mlm:
            let maxWords = Grammar.shortestSentence + rng.nextInt(below: length - Grammar.shortestSentence + 1)
            let sentence = Grammar.sentence(maxWords: maxWords, &rng).compactMap(tokenizer.id)
            return kind == .lm ? languageModelling(sentence) : maskedLanguageModelling(sentence, &rng)
        default:
            let n = 2 + rng.nextInt(below: length - 1)
            let x = (0..<n).map { _ in firstWord + rng.nextInt(below: symbols) }
            return symbolic(x)
        }
    }

    public func batch(_ size: Int, _ rng: inout SeededGenerator) -> [Example] {
        (0..<max(size, 0)).map { _ in example(&rng) }
    }

    /// `count` examples from their own stream: the generator seeded from `seed` mixed with a fixed
    /// salt, so held-out examples drawn with seed s are not the training examples drawn with seed s.
    public func heldOut(_ count: Int, seed: UInt64) -> [Example] {
        var rng = SeededGenerator(seed: seed ^ Self.heldOutSalt)
        return batch(count, &rng)
    }

    static let heldOutSalt: UInt64 = 0x5EED_0F_4E1D_0075

    /// The example for input words given directly (ids from `parse`). For mlm the words to mask
    /// are drawn from a generator with seed 0, so the same words give the same example.
    public func example(for words: [Int]) throws -> Example {
        let allowed = (kind.usesSymbols ? 2 : 1)...length
        guard allowed.contains(words.count) else { throw TaskError.inputLength(words.count, allowed: allowed) }
        if let bad = words.first(where: { !(firstWord..<(firstWord + wordCount)).contains($0) }) {
            throw TaskError.unknownSymbol(tokenizer.label(bad), task: name)
        }
        switch kind {
        case .lm: return languageModelling(words)
        case .mlm:
            var rng = SeededGenerator(seed: 0)
            return maskedLanguageModelling(words, &rng)
        default: return symbolic(words)
        }
    }

    /// "c a f e b" → the ids of c, a, f, e, b. Only input words are allowed: a word outside the
    /// vocabulary, a special token or a count label is an error naming it.
    public func parse(_ text: String) throws -> [Int] {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        return try words.map { word in
            guard let id = tokenizer.id(word), (firstWord..<(firstWord + wordCount)).contains(id) else {
                throw TaskError.unknownSymbol(word, task: name)
            }
            return id
        }
    }
}
