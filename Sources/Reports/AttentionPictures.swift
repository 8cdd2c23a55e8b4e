import Dispatch
import Foundation
import Heatmap
import TensorCore
import Transformer

/// Turns recorded attention (patterns, raw scores, masks) into pictures: the bridge between the
/// model's recordings and Heatmap's labelled matrices.
public struct AttentionPictures: Sendable {
    /// What a picture's subtitle says about the run: the model and where its weights came from
    /// (`WeightsOrigin.subtitle`), e.g. "decoder-only tiny (…); random weights, seed 0".
    public let model: String
    /// The mask each attention site used, by "stack.kind" ("decoder.self_attn" → "causal").
    public let maskNames: [String: String]
    /// A prefix-LM's prefix length by "stack.kind": the pictures draw a line where it ends.
    public var prefixes: [String: Int] = [:]

    public init(model: String, maskNames: [String: String]) {
        self.model = model
        self.maskNames = maskNames
    }

    /// Titles name the rule each of `model`'s attention sites uses.
    public init(describing model: String, of transformer: TransformerModel) {
        var names: [String: String] = [:]
        for stack in transformer.architecture.stacks {
            names["\(stack.rawValue).self_attn"] = transformer.selfAttentionRules[stack]?.name ?? ""
        }
        names["decoder.cross_attn"] = "cross"
        self.init(model: model, maskNames: names)
    }

    public struct Picture: Sendable {
        public let file: String
        public let figure: MatrixFigure
    }

    /// The axis titles of a picture of attention: queries down the side, keys across the top.
    public static func axisTitles(cross: Bool) -> (rows: String, columns: String) {
        cross ? ("query: decoder token (the token that attends)", "key: encoder token (attended to)")
            : ("query (the token that attends)", "key (attended to)")
    }

    /// Which pictures to draw: a layer's heads side by side, each head alone, the layers × heads grid.
    public enum Kind: String, CaseIterable, Sendable { case layers, heads, grid }

    /// For every recorded pattern (and, with `scores`, every raw score): one picture per layer with
    /// its heads side by side, one per head, and per stack and kind a layers × heads grid.
    /// `masks` may hold any recordings: those named `….mask` give the blocked cells.
    public func pictures(_ recordings: [Recording], masks: [Recording], scores: Bool,
                         kinds: Set<Kind> = Set(Kind.allCases)) -> [Picture] {
        var maskByName: [String: Recording] = [:]
        for recording in masks where recording.name.hasSuffix(".mask") { maskByName[recording.name] = recording }
        var pictures: [Picture] = []
        let points = scores ? ["pattern", "scores"] : ["pattern"]
        for point in points {
            let chosen = recordings.filter { $0.name.hasSuffix("." + point) && $0.tensor.rank == 3 }
            // Per layer, then per head.
            for recording in chosen {
                let site = Site(recording.name)
                let heads = headMatrices(recording, mask: maskByName[site.prefix + ".mask"], point: point)
                if kinds.contains(.layers) { pictures.append(Picture(file: recording.name + ".png", figure: figure(
                    title: "\(site.description) \(Self.noun(point)), all \(heads.count) heads",
                    site: site, point: point, panels: [heads], scale: scale(point, [recording])))) }
                for (h, head) in heads.enumerated() where kinds.contains(.heads) {
                    pictures.append(Picture(file: "\(recording.name).head\(h).png", figure: figure(
                        title: "\(site.description) \(Self.noun(point)), head \(h)",
                        site: site, point: point, panels: [[head]], scale: scale(point, [recording]))))
                }
            }
            // Layers × heads, for each stack and kind of attention.
            let groups = Dictionary(grouping: chosen) { Site($0.name).group }
            for group in groups.keys.sorted() where kinds.contains(.grid) {
                let members = groups[group] ?? []
                let site = Site(members[0].name)
                let rows = members.map { recording in
                    headMatrices(recording, mask: maskByName[Site(recording.name).prefix + ".mask"], point: point)
                        .enumerated().map { h, matrix in
                            var m = matrix
                            m.caption = "L\(Site(recording.name).layer) H\(h)"
                            return m
                        }
                }
                pictures.append(Picture(file: "\(group).\(point).grid.png", figure: figure(
                    title: "\(site.stack) \(site.kindName) \(Self.noun(point))s: layers (L) down, heads (H) across",
                    site: site, point: point, panels: rows, scale: scale(point, members))))
            }
        }
        return pictures
    }

    /// Renders every picture and writes it into `folder` as part of `output`, using every core;
    /// returns the paths, in the order given. A picture too large to draw (a grid of many long
    /// patterns) is left out with a note in `skipped`; any other failure is thrown, and the caller's
    /// set is then discarded whole.
    public static func write(_ pictures: [Picture], into folder: String, output: OutputSet,
                             skipped: (String) -> Void = { _ in }) throws -> [String] {
        let paths = pictures.map { (folder as NSString).appendingPathComponent($0.file) }
        let failures = FailureList(), left = FailureList()
        DispatchQueue.concurrentPerform(iterations: pictures.count) { i in
            do {
                try output.write(PNG.encode(Heatmap.render(pictures[i].figure)), to: paths[i])
            } catch let error as HeatmapError {
                if case .tooLarge = error { left.add(i, "left out \(pictures[i].file): \(error)") } else { failures.add(i, "\(error)") }
            } catch {
                failures.add(i, "\(error)")
            }
        }
        if let first = failures.first { throw OutputError(first) }
        for (_, note) in left.all { skipped(note) }
        let leftOut = Set(left.all.map(\.0))
        return paths.indices.filter { !leftOut.contains($0) }.map { paths[$0] }
    }

    private func headMatrices(_ recording: Recording, mask: Recording?, point: String) -> [LabelledMatrix] {
        let t = recording.tensor
        let (heads, rows, columns) = (t.shape[0], t.shape[1], t.shape[2])
        // Blocked cells come from the mask the pass used; raw scores are shown whole, before it.
        let blocked = point == "pattern" ? mask.map { $0.tensor.scalars.map { $0 == 0 } } : nil
        return (0..<heads).map { h in
            LabelledMatrix(rows: rows, columns: columns, values: Array(t.scalars[(h * rows * columns)..<((h + 1) * rows * columns)]),
                           rowLabels: recording.rowLabels, columnLabels: recording.columnLabels ?? [],
                           blocked: blocked, caption: "head \(h)")
        }
    }

    /// One picture of `site`: its subtitle, axis titles and, for a prefix-LM, the prefix's end.
    private func figure(title: String, site: Site, point: String, panels: [[LabelledMatrix]], scale: ColorScale) -> MatrixFigure {
        let mask = maskNames[site.group] ?? ""
        let what = point == "scores" ? "raw scores before the mask (\(mask) mask applied next)" : "\(mask) mask"
        let axes = Self.axisTitles(cross: site.kind == "cross_attn")
        var dividers: [Divider] = []
        if let prefix = prefixes[site.group], let panel = panels.first?.first, prefix > 0, prefix < min(panel.rows, panel.columns) {
            dividers = Self.prefixDividers(prefix)
        }
        // Two lines, so the picture is no wider than its panels need.
        return MatrixFigure(title: title, subtitle: "\(model)\n\(what)", panels: panels, scale: scale,
                            kind: .values(barLabel: Self.barLabel(point)), rowTitle: axes.rows, columnTitle: axes.columns,
                            dividers: dividers)
    }

    /// The lines where a prefix-LM's prefix ends, after row and column `prefix - 1`: before them
    /// the mask is bidirectional, after them causal. For `attnlab mask prefix-lm` too.
    public static func prefixDividers(_ prefix: Int) -> [Divider] {
        let legend = "prefix ends: tokens 0-\(prefix - 1) see each other both ways"
        return [Divider(.columns, before: prefix, label: "prefix ends", legend: legend),
                Divider(.rows, before: prefix, label: "prefix ends", legend: legend)]
    }

    private func scale(_ point: String, _ recordings: [Recording]) -> ColorScale {
        point == "scores" ? .diverging(fitting: recordings.flatMap(\.tensor.scalars)) : .unit
    }

    private static func noun(_ point: String) -> String { point == "scores" ? "raw score" : "pattern" }
    private static func barLabel(_ point: String) -> String { point == "scores" ? "score" : "weight" }
}

/// The parts of a hook name such as "decoder.1.cross_attn.pattern".
private struct Site: CustomStringConvertible {
    let stack: String, layer: String, kind: String
    init(_ name: String) {
        let parts = name.split(separator: ".").map(String.init)
        (stack, layer, kind) = (parts[0], parts.count > 1 ? parts[1] : "", parts.count > 2 ? parts[2] : "")
    }
    var prefix: String { "\(stack).\(layer).\(kind)" }
    var group: String { "\(stack).\(kind)" }
    var kindName: String { kind == "cross_attn" ? "cross-attention" : "self-attention" }
    var description: String { "\(stack) layer \(layer) \(kindName)" }
}

/// Errors from rendering threads, kept in order so the first one reported is always the same.
private final class FailureList: @unchecked Sendable {
    private var items: [(Int, String)] = []
    private let lock = NSLock()
    func add(_ index: Int, _ message: String) { lock.lock(); items.append((index, message)); lock.unlock() }
    var all: [(Int, String)] { lock.lock(); defer { lock.unlock() }; return items.sorted { $0.0 < $1.0 } }
    var first: String? { all.first?.1 }
}

extension AttentionPictures {
    /// A generous estimate of the PNG bytes `pictures` will take, for refusing huge outputs before
    /// drawing: about a byte per matrix cell (a palette PNG of a heatmap compresses well below a
    /// byte a pixel), at least 64 KiB and at most 8 MiB a picture (no side exceeds 8192 px).
    public static func estimatedBytes(_ pictures: [Picture]) -> Int {
        pictures.reduce(0) { total, picture in
            let cells = picture.figure.panels.joined().reduce(0) { $0 + $1.rows * $1.columns }
            return total + min(max(cells, 64 << 10), 8 << 20)
        }
    }
}
