import Classroom
import Foundation
import Testing
@testable import AttnlabCLI

/// Tables whose labels are Chinese: a Chinese character takes two terminal columns, so padding
/// by characters would push each row's numbers one column right per character.
@Suite struct WideLabelTests {
    /// The display column where the `field`th field (from 0) of `row` starts, fields being
    /// separated by spaces; nil when the row has fewer fields.
    static func column(ofField field: Int, in row: String) -> Int? {
        var seen = -1, previous: Character = " ", prefix = ""
        for c in row {
            if c != " " && previous == " " {
                seen += 1
                if seen == field { return DisplayWidth.of(prefix) }
            }
            prefix.append(c); previous = c
        }
        return nil
    }

    /// The lesson's sentence; and one of twelve positions, where "position 9" and "position 10"
    /// differ in width too.
    @Test(arguments: ["猫 坐 在 垫子 上", "猫 坐 在 垫子 上 猫 坐 在 垫子 上 猫"])
    func causalityNumbersLineUpUnderChineseLabels(text: String) throws {
        let result = attnlab(["check", "causality", "--arch", "decoder-only", "--text", text])
        #expect(result.status == 0, "\(result.err)")
        // "  position 3 在       3.83   ← the changed token": position, index, label, number.
        let rows = result.out.filter { $0.hasPrefix("  position ") }
        let words = text.split(separator: " ")
        #expect(rows.count == words.count + 1, "\(result.out)")           // <bos> and the words
        for word in words {
            #expect(rows.contains { $0.split(separator: " ")[2] == word }, "no row for \(word): \(rows)")
        }
        var columns: [Int] = []
        for row in rows {
            let column = try #require(Self.column(ofField: 3, in: row), "\(row)")
            let number = row.split(separator: " ")[3]
            #expect(Double(number) != nil, "not a number where the numbers are: \(row)")
            columns.append(column)
        }
        #expect(Set(columns).count == 1, "the numbers start at columns \(columns):\n\(rows.joined(separator: "\n"))")
    }
}
