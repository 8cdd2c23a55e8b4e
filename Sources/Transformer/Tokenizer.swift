/// A token: its id and the text it came from (what a picture labels it with).
public struct Token: Sendable, Equatable {
    public let id: Int
    public let text: String
    public init(id: Int, text: String) { self.id = id; self.text = text }
}

/// Turns text into the token ids a model reads, and ids back into the labels a picture shows.
/// The built-in word tokenizer is one; a checkpoint's own (sub-word) tokenizer is another.
public protocol Tokenizer: Sendable {
    /// Number of ids; a model for this tokenizer has this many embedding rows.
    var vocabularySize: Int { get }
    /// `text` split into tokens, without any special tokens.
    func tokenize(_ text: String) -> [Token]
    /// `text` framed the way `stack` of `architecture` expects it (special tokens included).
    func encode(_ text: String, for stack: Stack, of architecture: Architecture) -> [Token]
    /// The label of one id (its vocabulary entry).
    func label(_ id: Int) -> String
    /// Tokens for ids given directly, each labelled.
    func tokens(ids: [Int]) -> [Token]
    /// Throws an error naming the first piece of `text` this tokenizer has no id for. The built-in
    /// tokenizer turns such words into `[UNK]` and never throws; a checkpoint's may refuse them.
    func checkEncodable(_ text: String) throws
}

extension Tokenizer {
    public func tokens(ids: [Int]) -> [Token] { ids.map { Token(id: $0, text: label($0)) } }
    public func checkEncodable(_ text: String) throws {}
}

extension Preset {
    /// The preset sized for the built-in tokenizer's vocabulary.
    public func config() -> ModelConfig { config(vocabularySize: BuiltinTokenizer.shared.vocabularySize) }
}

/// The built-in models' tokenizer: lower-cased English words, single punctuation marks and
/// single digits, plus the special tokens each architecture frames its input with. Words outside
/// its vocabulary become `[UNK]` but keep their own text as a label.
///
/// It is deliberately simple — a class can read every id it produces. Real checkpoints bring their
/// own (sub-word) tokenizers; this one only has to make plain text work with the built-in models.
public struct BuiltinTokenizer: Tokenizer {
    public static let shared = BuiltinTokenizer()

    public static let pad = "[PAD]", unknown = "[UNK]", classify = "[CLS]", separator = "[SEP]", mask = "[MASK]"
    public static let beginning = "<bos>", end = "<eos>"
    static let specials = [pad, unknown, classify, separator, mask, beginning, end]
    static let punctuation = [".", ",", "!", "?", ";", ":", "'", "\"", "(", ")", "-", "/", "&", "%", "$", "+", "=", "*"]

    public let vocabulary: [String]
    private let ids: [String: Int]

    public init() {
        vocabulary = Self.specials + Self.punctuation + (0...9).map(String.init) + BuiltinWords.list
        var ids: [String: Int] = [:]
        for (id, word) in vocabulary.enumerated() where ids[word] == nil { ids[word] = id }
        self.ids = ids
    }

    public var vocabularySize: Int { vocabulary.count }
    public func id(_ piece: String) -> Int? { ids[piece] }

    /// Splits `text` into words, digits and punctuation; every other character separates pieces.
    public func tokenize(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var word = ""
        func flushWord() {
            guard !word.isEmpty else { return }
            tokens.append(Token(id: ids[word.lowercased()] ?? ids[Self.unknown]!, text: word))  // ok: [UNK] is a special
            word = ""
        }
        for character in text {
            if character.isLetter || (character == "'" && !word.isEmpty) {
                word.append(character)
            } else {
                flushWord()
                if character.isNumber, let digit = ids[String(character)] {
                    tokens.append(Token(id: digit, text: String(character)))
                } else if !character.isWhitespace {
                    let piece = String(character)
                    tokens.append(Token(id: ids[piece] ?? ids[Self.unknown]!, text: piece))  // ok: [UNK] is a special
                }
            }
        }
        flushWord()
        return tokens
    }

    /// The text of `text` framed the way `stack` of `architecture` expects it:
    /// encoder-only `[CLS] … [SEP]`, an encoder-decoder's source `… <eos>`, a decoder `<bos> …`.
    public func encode(_ text: String, for stack: Stack, of architecture: Architecture) -> [Token] {
        let body = tokenize(text)
        switch (architecture, stack) {
        case (.encoderOnly, _): return [special(Self.classify)] + body + [special(Self.separator)]
        case (.encoderDecoder, .encoder): return body + [special(Self.end)]
        case (_, .decoder), (.decoderOnly, .encoder): return [special(Self.beginning)] + body
        }
    }

    /// An id's vocabulary entry (`#id` past the end).
    public func label(_ id: Int) -> String { id >= 0 && id < vocabulary.count ? vocabulary[id] : "#\(id)" }

    /// Tokens for ids given directly: each labelled with its vocabulary entry (`#id` past the end).
    public func tokens(ids: [Int]) -> [Token] { ids.map { Token(id: $0, text: label($0)) } }

    public func special(_ name: String) -> Token { Token(id: ids[name]!, text: name) }  // ok: only called with specials
}
