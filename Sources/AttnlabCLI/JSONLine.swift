import Foundation

/// The one line of JSON a command ends with under `--json`: sorted keys, so the same results give
/// the same bytes.
enum JSONLine {
    static func say(_ object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        Console.say(String(decoding: data, as: UTF8.self))
    }

    /// Milliseconds and ratios to three decimals.
    static func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
