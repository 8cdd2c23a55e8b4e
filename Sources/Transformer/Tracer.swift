import TensorCore

/// One activation kept by a tracer, with what a picture or an export needs to label it.
public struct Recording: Sendable {
    public let name: String
    public let tensor: Tensor
    public let context: HookContext
    /// A label per row (the query tokens) and, for scores, masks and patterns, per column.
    public let rowLabels: [String]
    public let columnLabels: [String]?
}

/// Records the activations of the hook points it is attached to, in the order the forward pass
/// produced them, with token labels for rows and columns. It never replaces anything.
public final class Tracer {
    public private(set) var recordings: [Recording] = []
    /// Token labels of each stream, indexed by absolute position.
    public var labels: [Stack: [String]]

    public init(labels: [Stack: [String]] = [:]) {
        self.labels = labels
    }

    /// Listens at every hook point whose name matches `pattern` (see `Hooks.add`).
    public func attach(to hooks: inout Hooks, pattern: String) {
        hooks.add(pattern) { [self] context, tensor in
            record(context, tensor)
            return nil
        }
    }

    public func record(_ context: HookContext, _ tensor: Tensor) {
        recordings.append(Recording(
            name: context.point.name, tensor: tensor, context: context,
            rowLabels: label(context.rows, context.rowPositions),
            columnLabels: context.columns.map { label($0, context.columnPositions ?? 0..<0) }))
    }

    public subscript(name: String) -> Recording? {
        recordings.last { $0.name == name }
    }

    private func label(_ stack: Stack, _ positions: Range<Int>) -> [String] {
        let known = labels[stack] ?? []
        return positions.map { $0 < known.count ? known[$0] : "#\($0)" }
    }
}

extension Hooks {
    /// Hooks that record into `tracer` every activation whose name matches `pattern`.
    public static func recording(_ tracer: Tracer, pattern: String) -> Hooks {
        var hooks = Hooks()
        tracer.attach(to: &hooks, pattern: pattern)
        return hooks
    }
}
