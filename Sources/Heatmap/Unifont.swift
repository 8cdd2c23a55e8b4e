import Foundation

/// GNU Unifont's glyphs, read straight from its `.hex` file: one line per code point, sorted,
/// `XXXX:` and then 32 hex digits (an 8 × 16 glyph) or 64 (16 × 16, a wide one), each pair of
/// digits (or four) one row from the top, leftmost pixel in the highest bit.
///
/// The file is memory-mapped, not parsed: a label needs a handful of its 57,000 lines, and a binary
/// search over the sorted lines finds each in about 16 steps. What has been looked up is kept, so
/// the labels of many pictures drawn at once (on every core) cost one search per distinct character.
final class UnifontFile: @unchecked Sendable {
    // Unchecked: the mapping is read-only and never changes; the cache is only touched under `lock`.
    let path: String
    private let bytes: UnsafeRawBufferPointer
    private let lock = NSLock()
    private var cache: [UInt32: Glyph] = [:]
    private var missing: Set<UInt32> = []

    /// Maps the file; throws one line if it cannot be opened or does not look like a `.hex` file.
    init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw HeatmapError.font("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size > 0 else {
            throw HeatmapError.font("\(path) is not a Unifont .hex file: it is empty or not a regular file")
        }
        let size = Int(status.st_size)
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0),
              base != UnsafeMutableRawPointer(bitPattern: -1) else {   // MAP_FAILED
            throw HeatmapError.font("cannot map \(path) into memory: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
        let firstLineEnd = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? size
        guard Self.entry(in: bytes, from: 0, to: firstLineEnd) != nil else {
            munmap(base, size)
            throw HeatmapError.font("\(path) is not a Unifont .hex file: its first line is not like 0041:0000000018242442427E424242420000")
        }
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count) }

    /// The glyph of `scalar`, or nil if the file has none.
    func glyph(_ scalar: Unicode.Scalar) -> Glyph? {
        let code = scalar.value
        lock.lock()
        defer { lock.unlock() }
        if let glyph = cache[code] { return glyph }
        if missing.contains(code) { return nil }
        guard let glyph = search(code) else { missing.insert(code); return nil }
        cache[code] = glyph
        return glyph
    }

    /// Binary search over the lines that start within [low, high). Any byte offset lies in some
    /// line; stepping back to that line's start and reading its code point says which half to keep.
    /// A line that does not parse is passed over, so a damaged file gives boxes, never a crash.
    private func search(_ code: UInt32) -> Glyph? {
        let newline = UInt8(ascii: "\n")
        var low = 0, high = bytes.count
        while low < high {
            let middle = low + (high - low) / 2
            var start = middle
            while start > low && bytes[start - 1] != newline { start -= 1 }
            // The first line from `start` on that parses, if any before `high`.
            var lineStart = start, found: (code: UInt32, glyph: Glyph)?, lineEnd = start
            while lineStart < high {
                lineEnd = lineStart
                while lineEnd < bytes.count && bytes[lineEnd] != newline { lineEnd += 1 }
                found = Self.entry(in: bytes, from: lineStart, to: lineEnd)
                if found != nil { break }
                lineStart = lineEnd + 1
            }
            guard let entry = found else { high = start; continue }
            if entry.code == code { return entry.glyph }
            if entry.code < code { low = lineEnd + 1 } else { high = start }
        }
        return nil
    }

    /// Reads one line `CODE:HEX` in bytes[from..<to]: nil unless it is exactly that.
    static func entry(in bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> (code: UInt32, glyph: Glyph)? {
        var end = to
        if end > from && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }   // tolerate CRLF
        guard let colon = bytes[from..<end].firstIndex(of: UInt8(ascii: ":")), colon > from, colon - from <= 6 else { return nil }
        var code: UInt32 = 0
        for i in from..<colon {
            guard let digit = hexValue(bytes[i]) else { return nil }
            code = code << 4 | UInt32(digit)
        }
        let digits = end - colon - 1
        guard digits == 32 || digits == 64 else { return nil }
        let perRow = digits / 16                       // 2 hex digits (8 px) or 4 (16 px) a row
        var rows: [UInt16] = []
        rows.reserveCapacity(16)
        for row in 0..<16 {
            var bits: UInt16 = 0
            for k in 0..<perRow {
                guard let digit = hexValue(bytes[colon + 1 + row * perRow + k]) else { return nil }
                bits = bits << 4 | UInt16(digit)
            }
            rows.append(bits)
        }
        let width = perRow * 4
        return (code, Glyph(width: width, advance: width, rows: rows))
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
