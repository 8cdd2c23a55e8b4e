import Foundation
import TensorCore

/// A named place in the forward pass where an activation can be read or replaced.
///
/// Names are paths, like TransformerLens's: `{stack}.{layer}.{site}.{point}` for what happens
/// inside a block (`decoder.3.cross_attn.pattern`), `{stack}.{layer}.resid_pre` for the residual
/// stream, `{stack}.embed` for a stack's input and `logits` for the output. Shapes:
///
///     {stack}.embed                       [T, d]        token (+ position) embeddings
///     {stack}.L.resid_pre|resid_mid|resid_post  [T, d]  residual stream at block entry, after
///                                                       self-attention, at block exit
///     {stack}.L.{self,cross}_attn.q|k|v   [H, T, d_head]  (k, v: the rows computed in this call)
///     {stack}.L.{self,cross}_attn.scores  [H, Tq, Tk]   scaled QKᵀ (+ position bias), before the mask
///     {stack}.L.{self,cross}_attn.mask    [Tq, Tk]      1 = may attend, 0 = blocked
///     {stack}.L.{self,cross}_attn.pattern [H, Tq, Tk]   softmax output: rows sum to 1, blocked cells 0
///     {stack}.L.{self,cross}_attn.z       [T, d]        heads' weighted values, concatenated
///     {stack}.L.{self,cross}_attn.out     [T, d]        after the output projection
///     {stack}.L.mlp.pre, mlp.post         [T, mlpWidth]  the MLP's hidden layer before and after the activation
///     {stack}.L.mlp.out                   [T, d]
///     logits                              [T, vocab]
public struct HookPoint: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public init(_ name: String) { self.name = name }
    public var description: String { name }

    public static func embed(_ stack: Stack) -> HookPoint { HookPoint("\(stack.rawValue).embed") }
    public static func block(_ stack: Stack, _ layer: Int, _ point: String) -> HookPoint {
        HookPoint("\(stack.rawValue).\(layer).\(point)")
    }
    public static let logits = HookPoint("logits")
}

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
