import Foundation
import TensorCore

/// Where an activation's rows and columns sit: which token positions of which stream. A tracer
/// turns this into row and column labels; for a KV-cached step the queries are just the new tokens.
public struct HookContext: Sendable {
    public let point: HookPoint
    /// The stream the rows come from, and their absolute positions (nil for `logits` of a stack).
    public let rows: Stack
    public let rowPositions: Range<Int>
    /// The stream and positions of the columns, for scores, masks and patterns; nil otherwise.
    public let columns: Stack?
    public let columnPositions: Range<Int>?
    /// Which sequence of a batch (`forward(batch:)`) the activation belongs to; 0 otherwise.
    public let sequence: Int
}

/// A function called at hook points. Return nil to leave the activation as it is, or a tensor of
/// the same shape to replace it for the rest of the forward pass.
public typealias HookFunction = (HookContext, Tensor) -> Tensor?

/// The hooks of one forward pass, each with the name pattern it listens to.
public struct Hooks {
    private var entries: [(pattern: NamePattern, function: HookFunction)] = []
    public init() {}

    /// `pattern` is a glob (`*` matches any run of characters, dots included), or several joined by
    /// commas: `"*.pattern"`, `"decoder.*.cross_attn.*,logits"`.
    public mutating func add(_ pattern: String, _ function: @escaping HookFunction) {
        entries.append((NamePattern(pattern), function))
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// Whether any hook listens to `point`: lets the model skip work (e.g. laying q out per head)
    /// that only a hook would see.
    public func wants(_ point: HookPoint) -> Bool {
        entries.contains { $0.pattern.matches(point.name) }
    }

    /// Runs every matching hook in the order they were added; each sees the previous one's result.
    public func run(_ context: HookContext, _ tensor: Tensor) throws -> Tensor {
        var current = tensor
        for entry in entries where entry.pattern.matches(context.point.name) {
            if let replacement = entry.function(context, current) {
                guard replacement.shape == current.shape else {
                    throw ModelError.hookShape(point: context.point.name, expected: current.shape, got: replacement.shape)
                }
                current = replacement
            }
        }
        return current
    }
}

/// A comma-separated list of globs over hook names.
public struct NamePattern: Sendable {
    private let globs: [[Substring]]
    public init(_ text: String) {
        globs = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.map { $0.split(separator: "*", omittingEmptySubsequences: false) }
    }

    public func matches(_ name: String) -> Bool {
        globs.contains { parts in
            // A glob split at its stars: the first part is a prefix, the last a suffix, and the
            // parts between must appear in order.
            guard parts.count > 1 else { return name == parts[0] }
            var rest = Substring(name)
            guard rest.hasPrefix(parts[0]) else { return false }
            rest = rest.dropFirst(parts[0].count)
            for middle in parts.dropFirst().dropLast() where !middle.isEmpty {
                guard let found = rest.range(of: middle) else { return false }
                rest = rest[found.upperBound...]
            }
            return rest.hasSuffix(parts[parts.count - 1])
        }
    }
}
