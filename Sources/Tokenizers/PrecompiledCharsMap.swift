import Foundation

/// SentencePiece's compiled normalisation rules (T5's, ALBERT's, XLM-R's `Precompiled`
/// normaliser): a table from short strings to their replacements, stored as a double-array trie
/// over UTF-8 bytes followed by the replacement strings.
///
/// The blob is `[trie size in bytes: u32][trie: u32 units][replacements: NUL-terminated UTF-8]`.
/// A unit packs, from low bits up: the label byte (bits 0–7), a has-leaf flag (bit 8), and the
/// offset to its children (bits 10–31, shifted left 8 more when bit 9 is set); a leaf's unit holds
/// the replacement's byte offset in its low 31 bits.
struct PrecompiledCharsMap: Sendable {
    private let units: [UInt32]
    private let replacements: [UInt8]

    static func parse(_ field: Field) throws(Field.Problem) -> PrecompiledCharsMap {
        let text = try field.string()
        guard let blob = Data(base64Encoded: text).map([UInt8].init) else { throw field.problem("is not base64 text") }
        guard let map = PrecompiledCharsMap(blob: blob) else {
            throw field.problem("is not a SentencePiece charsmap (a trie size, the trie, then its replacements)")
        }
        return map
    }

    init?(blob: [UInt8]) {
        guard blob.count >= 4 else { return nil }
        let trieBytes = Int(Self.littleEndian(blob, at: 0))
        guard trieBytes % 4 == 0, trieBytes >= 4, 4 + trieBytes <= blob.count else { return nil }
        units = stride(from: 4, to: 4 + trieBytes, by: 4).map { Self.littleEndian(blob, at: $0) }
        replacements = Array(blob[(4 + trieBytes)...])
    }

    private static func littleEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    /// The replacement of the shortest prefix of `key` that has a rule, if any.
    func replacement(forPrefixOf key: some Collection<UInt8>) -> Scalars? {
        func offset(_ unit: UInt32) -> Int { Int((unit >> 10) << ((unit & (1 << 9)) >> 6)) }
        guard let root = units.first else { return nil }
        var position = offset(root)
        for byte in key {
            if byte == 0 { break }
            position ^= Int(byte)
            guard position < units.count else { return nil }
            let unit = units[position]
            guard unit & ((1 << 31) | 0xFF) == UInt32(byte) else { return nil }
            position ^= offset(unit)
            guard position < units.count else { return nil }
            if (unit >> 8) & 1 == 1 {
                let start = Int(units[position] & ((1 << 31) - 1))
                guard start <= replacements.count else { return nil }
                let end = replacements[start...].firstIndex(of: 0) ?? replacements.count
                return Array(String(decoding: replacements[start..<end], as: UTF8.self).unicodeScalars)
            }
        }
        return nil
    }

    /// `text` normalised as `tokenizers` does it: a grapheme cluster shorter than 6 UTF-8 bytes
    /// that starts with a rule is replaced whole by that rule's replacement; otherwise each
    /// character is replaced by its own rule, or kept. Also says whether the first character was
    /// removed (a rule that maps it to nothing).
    func normalize(_ text: Scalars) -> (Scalars, dropsFirst: Bool) {
        var out = Scalars()
        var dropsFirst = false
        let string = String(String.UnicodeScalarView(text))
        for cluster in string {
            let bytes = Array(cluster.utf8)
            let isFirst = out.isEmpty && !dropsFirst
            if bytes.count < 6, let whole = replacement(forPrefixOf: bytes) {
                if isFirst && whole.isEmpty { dropsFirst = true }
                out += whole
                continue
            }
            for scalar in cluster.unicodeScalars {
                if let replaced = replacement(forPrefixOf: Array(String(scalar).utf8)) {
                    if out.isEmpty && !dropsFirst && replaced.isEmpty { dropsFirst = true }
                    out += replaced
                } else {
                    out.append(scalar)
                }
            }
        }
        return (out, dropsFirst)
    }
}
