import Foundation
import Testing
@testable import Tokenizers

/// The fixtures made by Fixtures/make_tokenizer_fixtures.py.
enum Fixtures {
    /// The kinds of tokenizer the script trains, one folder each.
    static let kinds = [
        "wordpiece-uncased", "wordpiece-cased", "wordpiece-splits", "wordlevel", "bpe-suffix", "bpe-gpt2", "bpe-roberta",
        "bpe-llama3", "bpe-qwen2", "spm-bpe-legacy", "spm-bpe-metaspace", "unigram-t5", "unigram-precompiled",
        "unigram-byte-fallback",
    ]

    static func folder() throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    }

    /// The test strings, in order. Read with the module's own JSON reader: Foundation's drops a
    /// string's U+FEFF (byte order mark), and these strings must reach the tokenizer exactly.
    static func strings() throws -> [String] {
        let data = try Data(contentsOf: folder().appendingPathComponent("strings.json"))
        guard case .array(let items) = try JSONParser.parse(data) else { throw FixtureError("strings.json is not a list") }
        return try items.map { item in
            guard case .string(let text) = item else { throw FixtureError("strings.json holds a non-string") }
            return text
        }
    }

    static func tokenizer(_ kind: String) throws -> TokenizerFile {
        try TokenizerFile(contentsOf: folder().appendingPathComponent(kind).appendingPathComponent("tokenizer.json"))
    }

    /// What `tokenizers` gave for each string.
    struct Expected {
        let ids: [[Int]]
        let withSpecialTokens: [[Int]]
    }

    static func expected(at url: URL) throws -> Expected {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let ids = try #require(object["ids"] as? [[Int]])
        let prefix = try #require(object["prefix"] as? [Int])
        let suffix = try #require(object["suffix"] as? [Int])
        let explicit = try #require(object["ids_with_special"] as? [Any])
        // Where the script wrote null, encoding with special tokens gave prefix + ids + suffix.
        let framed = try zip(ids, explicit).map { plain, written in
            written is NSNull ? prefix + plain + suffix : try #require(written as? [Int])
        }
        return Expected(ids: ids, withSpecialTokens: framed)
    }

    static func expected(_ kind: String) throws -> Expected {
        try expected(at: folder().appendingPathComponent(kind).appendingPathComponent("expected.json"))
    }

    /// The real all-MiniLM-L6-v2 folder: ATTNLAB_MINILM, else Output/models/all-MiniLM-L6-v2
    /// under the package root; nil when it is not there.
    static func miniLMFolder() -> URL? {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [ProcessInfo.processInfo.environment["ATTNLAB_MINILM"].map { URL(fileURLWithPath: $0) },
                          packageRoot.appendingPathComponent("Output/models/all-MiniLM-L6-v2")]
        return candidates.compactMap { $0 }.first {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("tokenizer.json").path)
        }
    }
}

/// A string as a failure message shows it: escaped, and cut when long.
func shown(_ text: String) -> String {
    let escaped = text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? String($0) : $0.escaped(asASCII: true) }.joined()
    return escaped.count > 120 ? String(escaped.prefix(120)) + "… (\(text.unicodeScalars.count) characters)" : escaped
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
