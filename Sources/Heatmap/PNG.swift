import CPNG
import Foundation

/// A decoded picture: 8-bit RGB, row by row.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let bytes: [UInt8]

    public subscript(x: Int, y: Int) -> RGB {
        let i = 3 * (y * width + x)
        return RGB(bytes[i], bytes[i + 1], bytes[i + 2])
    }
}

public struct PNGError: Error, CustomStringConvertible {
    public let description: String
}

/// PNG files through libpng's simplified API, which reports errors by return value and a message
/// (the classic API jumps with setjmp, which Swift cannot follow).
public enum PNG {
    /// The canvas as an 8-bit palette PNG, in memory: a caller that writes a set of files decides
    /// itself where and under which temporary names they go.
    public static func encode(_ canvas: Canvas) throws -> Data {
        guard canvas.palette.colors.count <= 256 else { throw PNGError(description: "a PNG palette holds at most 256 colours") }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(canvas.width)
        image.height = UInt32(canvas.height)
        // PNG_FORMAT_RGB_COLORMAP, spelled from its flags (Swift does not import compound macros).
        image.format = UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_COLORMAP)
        image.flags = UInt32(PNG_IMAGE_FLAG_FAST)        // less compression, much faster
        image.colormap_entries = UInt32(canvas.palette.colors.count)
        let colormap = canvas.palette.colors.flatMap { [$0.r, $0.g, $0.b] }

        // First ask for the size, then write into a buffer of that size.
        var size = 0
        var data = Data()
        let written = canvas.pixels.withUnsafeBufferPointer { pixels in
            colormap.withUnsafeBufferPointer { map -> Int32 in
                guard png_image_write_to_memory(&image, nil, &size, 0, pixels.baseAddress, 0, map.baseAddress) != 0 else { return 0 }
                data = Data(count: size)
                return data.withUnsafeMutableBytes { buffer in
                    png_image_write_to_memory(&image, buffer.baseAddress, &size, 0, pixels.baseAddress, 0, map.baseAddress)
                }
            }
        }
        guard written != 0 else {
            let reason = message(of: image)
            png_image_free(&image)
            throw PNGError(description: "cannot encode a \(canvas.width) × \(canvas.height) picture: \(reason)")
        }
        return data.prefix(size)
    }

    /// Writes the canvas as a PNG file. The file appears whole or not at all: it is written under a
    /// temporary name in the same folder and renamed into place.
    public static func write(_ canvas: Canvas, to path: String) throws {
        let data = try encode(canvas)
        let temporary = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw PNGError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw PNGError(description: "cannot write \(path): \(reason)")
        }
    }

    /// Reads any PNG as 8-bit RGB (composited on black if it has alpha).
    public static func read(_ path: String) throws -> RGBImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            throw PNGError(description: "cannot read \(path): \(message(of: image))")
        }
        image.format = UInt32(PNG_FORMAT_FLAG_COLOR)      // PNG_FORMAT_RGB
        let (width, height) = (Int(image.width), Int(image.height))
        var bytes = [UInt8](repeating: 0, count: width * height * 3)
        let finished = bytes.withUnsafeMutableBufferPointer { buffer in
            png_image_finish_read(&image, nil, buffer.baseAddress, 0, nil)
        }
        guard finished != 0 else {
            let reason = message(of: image)
            png_image_free(&image)
            throw PNGError(description: "cannot read \(path): \(reason)")
        }
        return RGBImage(width: width, height: height, bytes: bytes)
    }

    /// libpng's message for the last failure (a NUL-terminated char[64] inside the struct).
    private static func message(of image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
