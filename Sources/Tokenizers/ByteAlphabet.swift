/// GPT-2's byte alphabet: byte-level BPE works on UTF-8 bytes, each written as one printable
/// character, so that a vocabulary of 256 "characters" covers every text. Printable Latin-1
/// bytes (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) stand for themselves; the other 68 (controls, space, soft
/// hyphen, …) take the characters from U+0100 up, in byte order — so a space is `Ġ` (U+0120) and a
/// newline `Ċ` (U+010A).
enum ByteAlphabet {
    /// The character of each byte.
    static let characters: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte) {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(next) ?? " "  // ok: 256…323 are all scalars
                next += 1
            }
        }
        return table
    }()

    /// The byte each character of the alphabet stands for.
    static let bytes: [Unicode.Scalar: UInt8] = {
        var map: [Unicode.Scalar: UInt8] = [:]
        for (byte, character) in characters.enumerated() { map[character] = UInt8(byte) }
        return map
    }()

    /// `text`'s UTF-8 bytes, each as its character.
    static func encode(_ text: Scalars) -> Scalars {
        var out = Scalars()
        out.reserveCapacity(text.count)
        for scalar in text {
            UTF8.encode(scalar) { out.append(characters[Int($0)]) }
        }
        return out
    }

    /// The bytes `token` stands for, when every character of it is in the alphabet.
    static func decode(_ token: some Sequence<Unicode.Scalar>) -> [UInt8]? {
        var out: [UInt8] = []
        for scalar in token {
            guard let byte = bytes[scalar] else { return nil }
            out.append(byte)
        }
        return out
    }
}
