/// How a tokenizer writes its tokens, so that labels can show them as a reader knows them.
struct DisplayStyle: Sendable {
    /// Tokens are spelt in GPT-2's byte alphabet (`Ġ` for a space, `Ċ` for a newline).
    let byteLevel: Bool
    /// The character that stands for a space in tokens (SentencePiece's `▁`), if any.
    let spaceMark: Unicode.Scalar?

    init(root: Field, normalizer: Normalizer?, preTokenizer: PreTokenizer?) {
        let decoders = Self.decoderTypes(root["decoder"])
        byteLevel = Self.hasByteLevel(preTokenizer) || Self.hasByteLevel(normalizer)
            || decoders.contains { $0.type == "ByteLevel" }
        spaceMark = Self.metaspaceMark(preTokenizer) ?? Self.spaceReplacement(normalizer)
            ?? decoders.lazy.compactMap(\.mark).first
    }

    private static func hasByteLevel(_ step: PreTokenizer?) -> Bool {
        switch step {
        case .byteLevel?: return true
        case .sequence(let steps)?: return steps.contains { hasByteLevel($0) }
        default: return false
        }
    }

    private static func hasByteLevel(_ step: Normalizer?) -> Bool {
        switch step {
        case .byteLevel?: return true
        case .sequence(let steps)?: return steps.contains { hasByteLevel($0) }
        default: return false
        }
    }

    private static func metaspaceMark(_ step: PreTokenizer?) -> Unicode.Scalar? {
        switch step {
        case .metaspace(let mark, _, _)?: return mark
        case .sequence(let steps)?: return steps.lazy.compactMap { metaspaceMark($0) }.first
        default: return nil
        }
    }

    /// The character a Replace normaliser writes for a space (Llama 2's `▁`).
    private static func spaceReplacement(_ step: Normalizer?) -> Unicode.Scalar? {
        switch step {
        case .replace(.literal(let pattern), let content)? where pattern == [" "] && content.count == 1: return content.first
        case .sequence(let steps)?: return steps.lazy.compactMap { spaceReplacement($0) }.first
        default: return nil
        }
    }

    /// The decoders' types, and the space mark of a Metaspace decoder or of a Replace decoder
    /// that turns one character into a space. The decoder is read only for this, and never refused.
    private static func decoderTypes(_ field: Field) -> [(type: String, mark: Unicode.Scalar?)] {
        guard let type = try? field.typeName() else { return [] }
        if type == "Sequence", let steps = try? field["decoders"].array() { return steps.flatMap(decoderTypes) }
        var mark: Unicode.Scalar?
        if type == "Metaspace", let text = try? field["replacement"].string(), text.unicodeScalars.count == 1 {
            mark = text.unicodeScalars.first
        }
        if type == "Replace", (try? field["content"].string()) == " ", let text = try? field["pattern"]["String"].string(),
           text.unicodeScalars.count == 1 {
            mark = text.unicodeScalars.first
        }
        return [(type, mark)]
    }
}

extension TokenizerFile {
    /// The mark labels use for a space a token carries: "␣" (U+2423), for a byte-level `Ġ` and a
    /// SentencePiece `▁` alike, so that " the" reads `␣the` whichever model cut it.
    public static let spaceMark = "␣"

    /// An id's token as a reader knows it, for a picture's label:
    /// - byte-level tokens decoded from GPT-2's byte alphabet to the text they stand for (`Ġthe`
    ///   reads `␣the`, `Ċ` reads `↵`); bytes that are only part of a character read `<0xE4>`;
    /// - every space, and SentencePiece's `▁`, read `␣`;
    /// - newline `↵`, tab `⇥`, other control characters as their control pictures (`␍`, `␛`, …),
    ///   other invisible characters (format characters, unusual spaces) as `<U+200D>`;
    /// - a label that starts with a combining mark gets a dotted circle `◌` to sit on;
    /// - everything else as it is: `##ing`, `<0x0A>`, `[CLS]`, `中`.
    /// Added tokens are shown as written. An id with no token reads `#id`.
    public func displayLabel(_ id: Int) -> String {
        guard id >= 0, id < tokensById.count, let token = tokensById[id] else { return "#\(id)" }
        var text: [Unicode.Scalar] = token
        var strayBytes = Set<Int>()
        if display.byteLevel, addedIds[token] != id, let bytes = ByteAlphabet.decode(token) {
            (text, strayBytes) = Self.decodeUTF8(bytes)
        }
        var label = ""
        for (index, scalar) in text.enumerated() {
            if strayBytes.contains(index) {
                label += byteTokenName(UInt8(scalar.value))
            } else {
                label += Self.visible(scalar, spaceMark: display.spaceMark)
            }
        }
        if let first = text.first, !strayBytes.contains(0), CharacterClass.isMark(first) {
            label = "◌" + label
        }
        return label
    }

    /// One character as a label shows it.
    static func visible(_ scalar: Unicode.Scalar, spaceMark: Unicode.Scalar?) -> String {
        switch scalar {
        case " ": return Self.spaceMark
        case "\n": return "↵"
        case "\t": return "⇥"
        case "\u{7F}": return "␡"
        default: break
        }
        if scalar == spaceMark { return Self.spaceMark }
        if scalar.value < 0x20, let picture = Unicode.Scalar(0x2400 + scalar.value) { return String(picture) }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .unassigned, .surrogate:
            return Self.codePoint(scalar)
        case .spaceSeparator:
            return Self.codePoint(scalar)
        default:
            return String(scalar)
        }
    }

    private static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "<U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + ">"
    }

    /// UTF-8 bytes as characters; a byte that is not part of a whole character is kept as a
    /// scalar of its own value, its index listed in `stray`.
    static func decodeUTF8(_ bytes: [UInt8]) -> (scalars: [Unicode.Scalar], stray: Set<Int>) {
        var scalars: [Unicode.Scalar] = []
        var stray = Set<Int>()
        var position = 0
        while position < bytes.count {
            var decoded = false
            for length in 1...4 where position + length <= bytes.count {
                if let text = String(validating: bytes[position..<position + length], as: UTF8.self),
                   text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first {
                    scalars.append(scalar)
                    position += length
                    decoded = true
                    break
                }
            }
            if !decoded {
                stray.insert(scalars.count)
                scalars.append(Unicode.Scalar(bytes[position]))
                position += 1
            }
        }
        return (scalars, stray)
    }
}
