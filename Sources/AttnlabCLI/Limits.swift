import ArgumentParser

/// Every count a user can type, with its stated bounds, in one place. Each is checked before
/// anything is sized from it, so a typo gets a sentence instead of a trap or a 800 GB allocation.
enum Limits {
    static let runs = 1...1_000            // timed runs of one measurement
    static let warmup = 0...100
    static let rounds = 1...100            // bench: paired rounds
    static let threads = 1...256           // OpenBLAS threads
    static let steps = 1...1_024           // generate: tokens to generate
    static let tokens = 1...65_536         // a random input's length (the model's own maximum also applies)
    static let maskLength = 1...8_192      // mask: rows and columns
    static let prefix = 0...65_536
    static let window = 1...65_536
    static let position = 0...65_536
    static let layerIndex = 0...255
    static let headIndex = 0...255
    // Model shapes. Counting takes any of these; building a model also needs `builtParameters`.
    static let width = 1...16_384
    static let heads = 1...256
    static let layers = 1...256
    static let mlpWidth = 1...65_536
    static let vocabulary = 1...1_000_000
    static let budget = 1...Int(1e13)
    /// The most parameters attnlab builds: 2 GB of float32 weights.
    static let builtParameters = 500_000_000

    /// "--runs must be 1...1000" for a value outside `range`; negative values get "must be at least".
    static func check(_ value: Int?, _ option: String, _ range: ClosedRange<Int>) throws {
        guard let value, !range.contains(value) else { return }
        if value < range.lowerBound {
            throw ValidationError("\(option) must be at least \(range.lowerBound), got \(value)")
        }
        throw ValidationError("\(option) must be at most \(range.upperBound), got \(value)")
    }
}
