import Foundation
import Testing
@testable import Tokenizers

/// Swift's Regex has no step limit, so a tokenizer.json whose Split pattern repeats an ambiguous
/// group ((a|aa)+ takes exponential time on "aaaa…b") is refused when the file is read; the
/// patterns of real tokenizers are not.
@Suite struct RegexHazardTests {
    static let gpt2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    @Test(arguments: [gpt2, llama3, qwen2, #"\p{N}{1,3}"#, #"[(|)+]+"#, #"(ab)+"#, #"(a|b)"#, #"\(a|b\)+"#])
    func realPatternsAreKept(_ pattern: String) {
        #expect(!RegexCache.repeatsAnAmbiguousGroup(pattern), "\(pattern)")
    }

    @Test(arguments: [#"(a|aa)+$"#, #"(a+)+"#, #"(?:x*)*y"#, #"((a|b)c)+"#, #"(a|b){2,}"#, #"(\s*)+$"#])
    func exponentialPatternsAreRefused(_ pattern: String) throws {
        #expect(RegexCache.repeatsAnAmbiguousGroup(pattern), "\(pattern)")
        let json = #"{"model": {"type": "WordLevel", "vocab": {"a": 0}, "unk_token": "a"}, "pre_tokenizer": "#
            + #"{"type": "Split", "pattern": {"Regex": "# + String(data: try JSONEncoder().encode(pattern), encoding: .utf8)!
            + #"}, "behavior": "Isolated", "invert": false}}"#
        do {
            _ = try TokenizerFile(json: Data(json.utf8))
            Issue.record("\(pattern) was accepted")
        } catch {
            #expect(error.description.hasPrefix("tokenizer.json: field 'pre_tokenizer.pattern.Regex' is "), "\(error)")
            #expect(error.description.contains("exponential time"))
        }
    }

    /// Oniguruma reads \h as a hexadecimal digit (Swift: horizontal space); attnlab reads it as
    /// `tokenizers` does.
    @Test func backslashHIsAHexDigit() throws {
        let regex = try #require(RegexCache.compile(#"\h+"#))
        let text = "cafe 42 zz"
        #expect(text.matches(of: regex).map { String(text[$0.range]) } == ["cafe", "42"])
    }
}
