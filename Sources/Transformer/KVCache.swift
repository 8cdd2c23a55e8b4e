import TensorCore

/// The keys and values a decoder has already computed, layer by layer, so that generating one more
/// token costs one new row per layer instead of a pass over the whole sequence again.
///
/// Self-attention keys and values grow by one row per generated token. Cross-attention keys and
/// values depend only on the encoder's output, so they are computed on the first call and then
/// reused for every step.
public struct KVCache: Sendable {
    public struct Layer: Sendable {
        public var keys: Tensor          // [T, width]  (all key/value heads side by side, as the projection writes them)
        public var values: Tensor        // [T, width]
        public var crossKeys: Tensor?    // [S, width]  encoder-decoder only
        public var crossValues: Tensor?  // [S, width]
    }

    public private(set) var layers: [Layer]
    /// Key/value heads cached per layer (fewer than the query heads with grouped-query attention).
    public let heads: Int
    /// The width of one cached row: heads × head width (the model's width in the common case).
    public let width: Int

    public init(layers: Int, heads: Int, width: Int) {
        self.layers = Array(repeating: Layer(keys: Tensor(zeros: [0, width]), values: Tensor(zeros: [0, width])),
                            count: layers)
        self.heads = heads
        self.width = width
    }

    public init(for config: ModelConfig) {
        self.init(layers: config.layers, heads: config.kvHeads, width: config.keyValueWidth)
    }

    /// Number of positions cached so far.
    public var length: Int { layers.first?.keys.shape[0] ?? 0 }

    /// The shape of one layer's self-attention cache: keys and values, per position, per head.
    public var layerShape: [Int] { [2, length, heads, width / heads] }

    /// Bytes of one layer's self-attention keys and values (float32).
    public var bytesPerLayer: Int { 2 * length * width * MemoryLayout<Float>.size }

    /// Bytes of one layer's cross-attention keys and values, computed once per input.
    public var crossBytesPerLayer: Int {
        (layers.first?.crossKeys.map { 2 * $0.count } ?? 0) * MemoryLayout<Float>.size
    }

    /// Appends this call's new rows to layer `l` and returns all keys and values so far.
    mutating func append(layer l: Int, keys: Tensor, values: Tensor) -> (keys: Tensor, values: Tensor) {
        layers[l].keys = layers[l].keys.appendingRows(keys)
        layers[l].values = layers[l].values.appendingRows(values)
        return (layers[l].keys, layers[l].values)
    }

    /// Cross-attention keys and values of layer `l`, if an earlier step computed them.
    func cross(layer l: Int) -> (keys: Tensor, values: Tensor)? {
        guard let keys = layers[l].crossKeys, let values = layers[l].crossValues else { return nil }
        return (keys, values)
    }

    mutating func storeCross(layer l: Int, keys: Tensor, values: Tensor) {
        layers[l].crossKeys = keys
        layers[l].crossValues = values
    }
}

extension Tensor {
    /// The rows of `self` followed by the rows of `more` (same row width).
    func appendingRows(_ more: Tensor) -> Tensor {
        precondition(shape.dropFirst() == more.shape.dropFirst(), "row shapes differ: \(shape) and \(more.shape)")
        var newShape = shape
        newShape[0] += more.shape[0]
        return Tensor(shape: newShape, scalars: scalars + more.scalars)
    }
}
